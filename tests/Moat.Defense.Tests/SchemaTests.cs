using System.Text.Json;
using Moat.Defense.Tests.Support;

namespace Moat.Defense.Tests;

[Collection(RunsAlone.Name)]
public sealed class SchemaTests
{
    private static JsonElement Schema(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schemas", name))).RootElement;

    [Fact]
    public void Detect_json_validates_against_its_schema()
    {
        using var directory = new TempDirectory();
        var capture = directory.File("golden.pcap");
        File.WriteAllBytes(capture, GoldenTests.GoldenScenario().Pcap());
        var (_, json, _) = Detect.Run(capture, "--format", "json");
        var errors = SchemaValidator.Validate(Schema("defense-detect.schema.json"), JsonDocument.Parse(json).RootElement);
        Assert.Empty(errors);
    }

    [Fact]
    public void Detect_json_of_flow_exports_with_refused_records_validates_against_its_schema()
    {
        // A capture of NetFlow v9 exports (the "raw datagram dump" input) plus one export whose data set has no
        // template: the report carries the flows object, flow_records and warnings.
        using var directory = new TempDirectory();
        var capture = directory.File("exports.pcap");
        var messages = FlowLoad.V9Messages(5_000);
        messages.Add(new FlowExports.Message(9, domain: 77).Data(999, new byte[32]).Build());
        File.WriteAllBytes(capture, FlowLoad.Pcap(messages));

        var (_, json, _) = Detect.Run(capture, "--format", "json");
        var report = JsonDocument.Parse(json).RootElement;
        var flows = report.GetProperty("inputs")[0].GetProperty("flows");
        Assert.Equal(5_000, flows.GetProperty("records").GetInt64());
        Assert.Equal(1, flows.GetProperty("refused_records").GetInt64());
        Assert.Equal(5_000, report.GetProperty("totals").GetProperty("flow_records").GetInt64());
        Assert.Empty(SchemaValidator.Validate(Schema("defense-detect.schema.json"), report));
    }

    [Fact]
    public void Audit_json_validates_against_its_schema()
    {
        using var stub = new StubMemcached("1.5.5", "STAT udpport 11211\r\n", command => command == "version" ? "VERSION 1.5.5\r\n" : null);
        var port = FreePort.Both();
        var (_, json, _, _) = AuditRunner.Run($"127.0.0.1:{stub.Port}", $"127.0.0.1:{port}", "--format", "json", "--rate", "1000", "--timeout", "1s", "--retries", "0");
        var document = JsonDocument.Parse(json).RootElement;
        Assert.Equal(2, document.GetProperty("targets").GetArrayLength());
        Assert.Empty(SchemaValidator.Validate(Schema("defense-audit.schema.json"), document));
    }

    [Fact]
    public void The_validator_reports_missing_fields_wrong_types_and_enums()
    {
        var schema = Schema("defense-audit.schema.json");
        var broken = JsonDocument.Parse("""{"schema_version": 2, "tool": 5, "targets": [], "summary": {"by_severity": {}, "worst": "severe"}}""").RootElement;
        var errors = SchemaValidator.Validate(schema, broken);
        Assert.Contains(errors, e => e.Contains("missing 'started_at'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.tool", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.schema_version", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.summary.worst", StringComparison.Ordinal));
        Assert.Equal(5, errors.Count(e => e.StartsWith("$.summary.by_severity", StringComparison.Ordinal)));
    }
}

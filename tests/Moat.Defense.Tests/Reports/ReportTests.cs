using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using Moat.Defense.Tests.Support;

namespace Moat.Defense.Tests.Reports;

public sealed class ReportTests
{
    /// <summary>An attack across three minutes (reflector 10.0.0.1 amplifies ~93x) plus quiet minutes.</summary>
    private static Scenario AttackScenario()
    {
        var scenario = new Scenario();
        for (var minute = 0; minute < 6; minute++)
        {
            var count = minute is >= 2 and <= 4 ? 150 : 2;
            for (var i = 0; i < count; i++)
            {
                var at = Scenario.Start + (minute * 60 * Scenario.Second) + (i * (50 * Scenario.Second / count));
                scenario.Request(at, "192.0.2.9", 80, "10.0.0.1", 0, "stats\r\n");
                scenario.Response(at + 2000, "10.0.0.1", "192.0.2.9", 80, 0, 0, 1, 1400);
            }
        }

        return scenario;
    }

    [Fact]
    public void Json_csv_svg_and_png_agree_and_parse()
    {
        using var directory = new TempDirectory();
        var capture = directory.File("attack.pcap");
        File.WriteAllBytes(capture, AttackScenario().Pcap());
        var (exit, table, stderr) = Detect.Run(capture, "--json", directory.File("r.json"), "--csv", directory.File("r.csv"), "--svg", directory.File("r.svg"), "--png", directory.File("r.png"));

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, stderr);
        Assert.Contains("ATTACK reflector_abused", table, StringComparison.Ordinal);
        Assert.Contains("10.0.0.1", table, StringComparison.Ordinal);

        using var json = JsonDocument.Parse(File.ReadAllText(directory.File("r.json")));
        var root = json.RootElement;
        Assert.Equal(1, root.GetProperty("schema_version").GetInt32());
        foreach (var field in new[] { "tool", "inputs", "params", "totals", "series", "victims", "reflectors", "pairs", "verdicts" })
        {
            Assert.True(root.TryGetProperty(field, out _), field);
        }

        Assert.Equal(456, root.GetProperty("totals").GetProperty("requests").GetInt64());
        Assert.Equal("pcap", root.GetProperty("inputs")[0].GetProperty("format").GetString());
        var verdict = root.GetProperty("verdicts").EnumerateArray().Single(v => v.GetProperty("type").GetString() == "reflector_abused");
        Assert.Equal("10.0.0.1", verdict.GetProperty("subject").GetString());
        Assert.Equal("2018-02-27T00:02:00Z", verdict.GetProperty("start").GetString());
        Assert.Equal("2018-02-27T00:05:00Z", verdict.GetProperty("end").GetString());
        Assert.Equal(Math.Round(1400 / 15.0, 3), verdict.GetProperty("baf").GetDouble());

        var csv = Csv.Parse(File.ReadAllText(directory.File("r.csv")));
        var series = root.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(series.Count, csv.Count - 1);
        for (var i = 0; i < series.Count; i++)
        {
            Assert.Equal(series[i].GetProperty("bucket_start").GetString(), csv[i + 1][0]);
            Assert.Equal(series[i].GetProperty("events").GetInt64().ToString(CultureInfo.InvariantCulture), csv[i + 1][3]);
            Assert.Equal(series[i].GetProperty("response_bytes").GetInt64().ToString(CultureInfo.InvariantCulture), csv[i + 1][6]);
        }

        var svg = XDocument.Load(directory.File("r.svg"));
        var bars = svg.Descendants().Where(e => e.Name.LocalName == "rect" && (string?)e.Attribute("class") == "bar").ToList();
        var nonZero = csv.Skip(1).Where(r => r[3] != "0").ToList();
        Assert.Equal(nonZero.Count, bars.Count);
        for (var i = 0; i < bars.Count; i++)
        {
            Assert.Equal(nonZero[i][0], (string?)bars[i].Attribute("data-bucket"));
            Assert.Equal(nonZero[i][3], (string?)bars[i].Attribute("data-count"));
        }

        Assert.Single(svg.Descendants(), e => (string?)e.Attribute("class") == "attack");
        Assert.Single(svg.Descendants(), e => (string?)e.Attribute("class") == "threshold");

        AssertValidPng(File.ReadAllBytes(directory.File("r.png")), 960, 400);
    }

    [Fact]
    public void Outputs_are_deterministic_and_culture_independent()
    {
        using var directory = new TempDirectory();
        var capture = directory.File("attack.pcap");
        File.WriteAllBytes(capture, AttackScenario().Pcap());
        var first = RenderAll(capture, directory, "a");

        var previous = CultureInfo.CurrentCulture;
        var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        comma.NumberFormat.NumberGroupSeparator = ".";
        comma.NumberFormat.NegativeSign = "~";
        try
        {
            CultureInfo.CurrentCulture = comma;
            var second = RenderAll(capture, directory, "b");
            Assert.Equal(first.Json, second.Json);
            Assert.Equal(first.Csv, second.Csv);
            Assert.Equal(first.Svg, second.Svg);
            Assert.Equal(first.Png, second.Png);
            Assert.Equal(first.Table, second.Table);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Exit_codes_follow_d10()
    {
        using var directory = new TempDirectory();
        var capture = directory.File("attack.pcap");
        File.WriteAllBytes(capture, AttackScenario().Pcap());
        Assert.Equal(1, Detect.Run(capture).Exit);
        Assert.Equal(0, Detect.Run(capture, "--no-fail").Exit);
        Assert.Equal(0, Detect.Run(capture, "--reflector-min-events", "1000", "--min-baf", "1000").Exit);
        Assert.Equal(2, Detect.Run(capture, "--bucket", "soon").Exit);
        Assert.Equal(2, Detect.Run(capture, "--format", "xml").Exit);
        Assert.Equal(2, Detect.Run(capture, "--tz", "+25:00").Exit);
        Assert.Equal(2, Detect.Run(capture, "--frobnicate").Exit);
        Assert.Equal(2, Detect.Run().Exit);

        var notCapture = directory.File("notes.txt");
        File.WriteAllText(notCapture, "this is not a capture at all");
        var (exit, _, stderr) = Detect.Run(notCapture);
        Assert.Equal(3, exit);
        Assert.Contains("not a pcap/pcapng/nfcapd file", stderr, StringComparison.Ordinal);
        Assert.Equal(3, Detect.Run(directory.File("missing.pcap")).Exit);
    }

    [Fact]
    public void Live_mode_reads_stdin_and_prints_each_closed_bucket()
    {
        var stream = new MemoryStream(AttackScenario().Pcap());
        var (exit, stdout, _) = Detect.RunWithStdin(stream, "--live", "-", "--format", "json");
        Assert.Equal(1, exit);
        var lines = stdout.Split('\n');
        Assert.Equal(6, lines.Count(l => l.Contains(" requests=", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.Contains("VERDICT reflector_abused 10.0.0.1", StringComparison.Ordinal));
        var jsonStart = stdout.IndexOf("{\n", StringComparison.Ordinal);
        using var json = JsonDocument.Parse(stdout[jsonStart..]);
        Assert.Equal(6, json.RootElement.GetProperty("series").GetArrayLength());
    }

    [Fact]
    public void Truncated_capture_reports_a_warning_and_what_was_read()
    {
        using var directory = new TempDirectory();
        var capture = directory.File("cut.pcap");
        var bytes = AttackScenario().Pcap();
        File.WriteAllBytes(capture, bytes[..(bytes.Length - 7)]);
        var (exit, json, _) = Detect.Run(capture, "--format", "json");
        Assert.Equal(1, exit);
        using var document = JsonDocument.Parse(json);
        var input = document.RootElement.GetProperty("inputs")[0];
        Assert.Equal(911, input.GetProperty("packets").GetInt64());
        Assert.Contains("truncated at byte", input.GetProperty("warnings")[0].GetString(), StringComparison.Ordinal);
    }

    internal static void AssertValidPng(byte[] png, int width, int height) => DecodePixels(png, width, height);

    /// <summary>Checks signature, chunk CRCs and IHDR, inflates IDAT and returns the raw scanlines.</summary>
    internal static byte[] DecodePixels(byte[] png, int width, int height)
    {
        Assert.Equal([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], png[..8]);
        var offset = 8;
        var types = new List<string>();
        using var idat = new MemoryStream();
        while (offset < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            var type = System.Text.Encoding.ASCII.GetString(png, offset + 4, 4);
            var data = png.AsSpan(offset + 8, length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset + 8 + length));
            Assert.Equal(ReferenceCrc(png.AsSpan(offset + 4, 4 + length)), crc);
            if (type == "IHDR")
            {
                Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(data));
                Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(data[4..]));
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }

            types.Add(type);
            offset += 12 + length;
        }

        Assert.Equal("IHDR", types[0]);
        Assert.Equal("IEND", types[^1]);
        idat.Position = 0;
        using var inflater = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        inflater.CopyTo(raw);
        Assert.Equal(height * (1 + (3 * width)), raw.Length);
        return raw.ToArray();
    }

    /// <summary>Bitwise CRC-32 written independently of the product's table-driven one.</summary>
    private static uint ReferenceCrc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var value in data)
        {
            crc ^= value;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }

    private static (string Json, string Csv, string Svg, byte[] Png, string Table) RenderAll(string capture, TempDirectory directory, string tag)
    {
        var (_, table, _) = Detect.Run(capture, "--json", directory.File(tag + ".json"), "--csv", directory.File(tag + ".csv"), "--svg", directory.File(tag + ".svg"), "--png", directory.File(tag + ".png"), "--tz", "-05:30");
        return (
            File.ReadAllText(directory.File(tag + ".json")),
            File.ReadAllText(directory.File(tag + ".csv")),
            File.ReadAllText(directory.File(tag + ".svg")),
            File.ReadAllBytes(directory.File(tag + ".png")),
            table.Replace(directory.Path, string.Empty, StringComparison.Ordinal));
    }
}

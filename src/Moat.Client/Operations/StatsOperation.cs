using System.Buffers;
using System.Text;
using Moat.Client.Protocol;

namespace Moat.Client.Operations;

/// <summary><c>stats [group]</c>: STAT lines until END (not available through twemproxy).</summary>
internal sealed class StatsOperation : Operation<IReadOnlyDictionary<string, string>>
{
    private readonly string? _group;
    private readonly Dictionary<string, string> _stats = new(StringComparer.Ordinal);

    public StatsOperation(string? group)
    {
        if (group is not null && (group.Length == 0 || group.Any(c => c <= ' ' || c > '~')))
        {
            throw new ArgumentException("A stats group is one printable word, e.g. \"settings\" or \"slabs\".", nameof(group));
        }

        _group = group;
    }

    public override string Name => "stats";

    public override void WriteRequest(IBufferWriter<byte> writer)
    {
        writer.Write("stats"u8);
        if (_group is not null)
        {
            WireWriter.Write(writer, (byte)' ');
            WireWriter.WriteUtf8(writer, _group);
        }

        WireWriter.WriteCrLf(writer);
    }

    public override bool TryReadResponse(ref SequenceReader<byte> reader)
    {
        Span<byte> scratch = stackalloc byte[ResponseParsing.MaxLineLength];
        while (ResponseParsing.TryReadLine(ref reader, out var lineSequence))
        {
            var line = ResponseLine.Parse(lineSequence, scratch);
            switch (line.Code)
            {
                case ResponseCode.Stat:
                    var rest = line.Rest;
                    ResponseParsing.NextToken(ref rest, out var name);
                    var nameText = Encoding.ASCII.GetString(name);
                    _stats[nameText] = Encoding.ASCII.GetString(rest.TrimStart((byte)' '));
                    break;
                case ResponseCode.End:
                    Complete(_stats);
                    return true;
                default:
                    FailWithAnswer(line);
                    return true;
            }
        }

        return false;
    }
}

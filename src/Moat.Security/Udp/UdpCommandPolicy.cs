using System.Buffers;
using System.Collections.Frozen;
using System.Text;

namespace Moat.Security.Udp;

/// <summary>
/// Which commands each source class may run over UDP (docs/udp.md#what-happens-to-a-datagram, step 6). Reads only
/// for addresses nobody has validated (writes would be cache poisoning), data commands for validated and trusted
/// sources, and never anything administrative: <c>stats</c> is the classic amplifier and <c>flush_all</c> over
/// spoofable UDP is a kill switch.
/// </summary>
internal sealed class UdpCommandPolicy
{
    /// <summary>The most an operator may open to unvalidated sources.</summary>
    public static readonly IReadOnlyList<string> UnvalidatedCandidates = ["get", "gets", "mg", "udptoken"];

    private static readonly FrozenSet<string> DataCommands = new[]
    {
        "get", "gets", "gat", "gats", "mg", "ms", "md", "ma", "mn", "set", "add", "replace", "append", "prepend",
        "cas", "incr", "decr", "delete", "touch", "version", "udptoken",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> NeverOverUdp = new[]
    {
        "stats", "flush_all", "shutdown", "verbosity", "slabs", "lru", "lru_crawler", "watch", "cache_memlimit", "me",
        "debugtime", "misbehave", "quit", "auth", "lru_mode", "extstore",
    }.ToFrozenSet(StringComparer.Ordinal);

    // mg flags that only read: b c f h k l O q s t v. Anything else (N vivify, T touch, E, M...) has effects.
    private static readonly SearchValues<byte> ReadOnlyMetaFlags = SearchValues.Create("bcfhklOqstv"u8);

    private readonly FrozenSet<string> _unvalidatedCommands;

    /// <param name="unvalidatedCommands">Subset of <see cref="UnvalidatedCandidates"/>; null means all of them.</param>
    public UdpCommandPolicy(IEnumerable<string>? unvalidatedCommands = null)
    {
        var names = (unvalidatedCommands ?? UnvalidatedCandidates).ToArray();
        foreach (var name in names)
        {
            if (!UnvalidatedCandidates.Contains(name))
            {
                throw new ArgumentException($"'{name}' cannot be allowed for unvalidated UDP sources; allowed: {string.Join(',', UnvalidatedCandidates)}.", nameof(unvalidatedCommands));
            }
        }

        _unvalidatedCommands = names.ToFrozenSet(StringComparer.Ordinal);
    }

    public IReadOnlyCollection<string> UnvalidatedCommands => _unvalidatedCommands;

    /// <summary>Judges one ASCII command line (without the trailing CRLF, without any data block).</summary>
    public CommandVerdict Evaluate(ReadOnlySpan<byte> commandLine, SourceClass sourceClass)
    {
        var nameEnd = commandLine.IndexOf((byte)' ');
        var nameBytes = nameEnd < 0 ? commandLine : commandLine[..nameEnd];
        if (nameBytes.IsEmpty || nameBytes.Length > 16 || nameBytes.ContainsAnyExceptInRange((byte)'_', (byte)'z'))
        {
            return CommandVerdict.Unknown;
        }

        var lookup = DataCommands.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> name = stackalloc char[nameBytes.Length];
        Encoding.ASCII.GetChars(nameBytes, name);
        if (NeverOverUdp.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name, out _))
        {
            return CommandVerdict.Refused;
        }

        if (!lookup.TryGetValue(name, out var known))
        {
            return CommandVerdict.Unknown;
        }

        return sourceClass switch
        {
            SourceClass.Trusted or SourceClass.Validated => CommandVerdict.Allowed,
            SourceClass.Unvalidated when _unvalidatedCommands.Contains(known)
                && (known != "mg" || MetaGetIsReadOnly(commandLine[(nameEnd + 1)..])) => CommandVerdict.Allowed,
            _ => CommandVerdict.Refused,
        };
    }

    /// <summary>Judges one binary-protocol request by opcode.</summary>
    public CommandVerdict EvaluateBinary(byte opcode, SourceClass sourceClass)
    {
        var kind = BinaryOpcodeKind(opcode);
        return kind switch
        {
            BinaryKind.Unknown => CommandVerdict.Unknown,
            BinaryKind.Admin => CommandVerdict.Refused,
            _ when sourceClass is SourceClass.Trusted or SourceClass.Validated => CommandVerdict.Allowed,
            BinaryKind.Read when sourceClass == SourceClass.Unvalidated && _unvalidatedCommands.Contains("get") => CommandVerdict.Allowed,
            _ => CommandVerdict.Refused,
        };
    }

    // "mg <key> <flags>*": every flag token must start with a read-only flag letter.
    private static bool MetaGetIsReadOnly(ReadOnlySpan<byte> arguments)
    {
        var afterKey = arguments.IndexOf((byte)' ');
        if (afterKey < 0)
        {
            return true;
        }

        foreach (var range in arguments[(afterKey + 1)..].Split((byte)' '))
        {
            var token = arguments[(afterKey + 1)..][range];
            if (!token.IsEmpty && !ReadOnlyMetaFlags.Contains(token[0]))
            {
                return false;
            }
        }

        return true;
    }

    private enum BinaryKind
    {
        Unknown,
        Read,
        Write,
        Admin,
    }

    private static BinaryKind BinaryOpcodeKind(byte opcode) => opcode switch
    {
        // GET, GETQ, GETK, GETKQ
        0x00 or 0x09 or 0x0c or 0x0d => BinaryKind.Read,

        // SET ADD REPLACE DELETE INCR DECR, NOOP VERSION, APPEND PREPEND, their quiet forms, TOUCH GAT GATQ GATK GATKQ
        0x01 or 0x02 or 0x03 or 0x04 or 0x05 or 0x06 or 0x0a or 0x0b or 0x0e or 0x0f
            or 0x11 or 0x12 or 0x13 or 0x14 or 0x15 or 0x16 or 0x19 or 0x1a
            or 0x1c or 0x1d or 0x1e or 0x23 or 0x24 => BinaryKind.Write,

        // QUIT FLUSH STAT QUITQ FLUSHQ VERBOSITY, SASL list/auth/step
        0x07 or 0x08 or 0x10 or 0x17 or 0x18 or 0x1b or 0x20 or 0x21 or 0x22 => BinaryKind.Admin,
        _ => BinaryKind.Unknown,
    };
}

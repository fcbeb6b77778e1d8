using System.Buffers;
using Moat.Protocol;
using Moat.Protocol.Meta;
using Moat.Protocol.Text;
using Moat.Server.Statistics;
using Moat.Storage;

namespace Moat.Server.Meta;

/// <summary>mg: get with any mix of value, metadata, touch, vivify-on-miss and recache (stampede) flags.</summary>
internal sealed partial class MetaCommandProcessor
{
    private void ExecuteGet(in TextTokens tokens, IBufferWriter<byte> output)
    {
        if (Open(in tokens, 2, CommonFlags, namedFlagErrors: true, out var flags, out var key, out var errorLine) != MetaOpening.Ready)
        {
            MetaResponseWriter.Write(output, errorLine);
            return;
        }

        // memcached checks O's length while it writes the reply, so the read (and its touch or vivify) happens first;
        // with h l T N R it holds the item locked and bumps it only after a reply was written, so not then.
        var opaqueTooLong = OpaqueTooLong(in flags);
        var lockedRead = flags.Has((byte)'h') || flags.Has((byte)'l') || flags.Has((byte)'T') || flags.Has((byte)'N') || flags.Has((byte)'R');
        var withValue = flags.Has((byte)'v');
        var request = BuildRead(in flags) with
        {
            MetadataOnly = !withValue,
            NoBump = flags.Has((byte)'u') || (opaqueTooLong && lockedRead),
        };
        var sink = new MetaGetSink(output, flags, withValue, opaqueTooLong);
        var status = context.Executor.ReadWithClass(key, in request, ref sink, out var slabClass, Counters.Id);
        if (opaqueTooLong)
        {
            // The sink wrote the error for a hit, which memcached then counts nowhere; a miss counts before it.
            if (status == ReadStatus.Miss)
            {
                CountRead(key, request.Touch, hit: false);
                MetaResponseWriter.Write(output, OpaqueTooLongLine);
            }

            return;
        }

        if (status != ReadStatus.Vivified)
        {
            // memcached counts a vivified miss (N) as neither hit nor miss.
            CountRead(key, request.Touch, status == ReadStatus.Hit);
        }

        if (status == ReadStatus.Hit)
        {
            context.Executor.ClassCommands.Increment(slabClass, request.Touch ? SlabCommand.TouchHits : SlabCommand.GetHits);
        }

        if (status == ReadStatus.Miss && !flags.Has((byte)'q'))
        {
            MetaResponseWriter.Write(output, "EN"u8);
            WriteKeyAndOpaque(output, in flags);
            EndLine(output);
        }
    }

    /// <summary>
    /// mg's T N R E values (checked by <see cref="Open"/>) and u: do not bump the item, so its fetched flag and last
    /// access stay as they were (memcached's no_update). The other accepted letters that mg has no use for (C D F I J
    /// L M P) change nothing, as in memcached.
    /// </summary>
    private static ReadRequest BuildRead(scoped in MetaFlags flags)
    {
        var request = new ReadRequest { NoBump = flags.Has((byte)'u'), CasNotReturned = !flags.Has((byte)'c') };
        var tokens = flags.Tokens;
        for (var i = flags.FirstFlagToken; i < tokens.Count; i++)
        {
            var token = tokens[i];
            var text = token[1..];
            switch (token[0])
            {
                case (byte)'T':
                    _ = TryParseExptime(text, out var touchExptime);
                    request = request with { Touch = true, TouchExptime = touchExptime };
                    break;
                case (byte)'N':
                    _ = TryParseExptime(text, out var vivifyExptime);
                    request = request with { Vivify = true, VivifyExptime = vivifyExptime };
                    break;
                case (byte)'R':
                    _ = TryParseExptime(text, out var threshold);
                    request = request with { Recache = true, RecacheThreshold = threshold };
                    break;
                case (byte)'E':
                    // Only a stub created by N takes it: memcached ignores E when mg changes nothing.
                    _ = AsciiNumber.TryParseUInt64(text, out var newCas);
                    request = request with { ExplicitCas = newCas };
                    break;
                default:
                    break;
            }
        }

        return request;
    }

    /// <summary>
    /// mg counts like get (cmd_get, get_hits/get_misses); with T a hit also counts as a touch hit, a miss only as a
    /// get miss, as memcached 1.6.18's meta get does.
    /// </summary>
    private void CountRead(ReadOnlySpan<byte> key, bool touch, bool hit)
    {
        ref var values = ref Counters.Values;
        values.CmdGet++;
        if (hit)
        {
            values.GetHits++;
            if (touch)
            {
                values.CmdTouch++;
                values.TouchHits++;
            }
        }
        else
        {
            values.GetMisses++;
        }

        if (context.Executor.Prefixes.Enabled)
        {
            context.Executor.Prefixes.RecordGet(key, hit);
        }
    }

    /// <summary>Writes an mg hit: "VA len flags\r\nvalue\r\n" or "HD flags\r\n", flags in the order requested, then Z X W (or memcached's error for an O token too long).</summary>
    private readonly ref struct MetaGetSink(IBufferWriter<byte> output, MetaFlags flags, bool withValue, bool opaqueTooLong) : IItemSink
    {
        private readonly IBufferWriter<byte> _output = output;
        private readonly MetaFlags _flags = flags;
        private readonly bool _withValue = withValue;
        private readonly bool _opaqueTooLong = opaqueTooLong;

        public void OnItem(in ItemMetadata metadata, ReadOnlySpan<byte> value)
        {
            if (_opaqueTooLong)
            {
                MetaResponseWriter.Write(_output, OpaqueTooLongLine);
                return;
            }

            if (_withValue)
            {
                MetaResponseWriter.WriteValueHeader(_output, metadata.ValueLength);
            }
            else
            {
                MetaResponseWriter.Write(_output, "HD"u8);
            }

            var tokens = _flags.Tokens;
            for (var i = _flags.FirstFlagToken; i < tokens.Count; i++)
            {
                var token = tokens[i];
                switch (token[0])
                {
                    case (byte)'c':
                        MetaResponseWriter.WriteFlag(_output, (byte)'c', metadata.Cas);
                        break;
                    case (byte)'f':
                        MetaResponseWriter.WriteFlag(_output, (byte)'f', (ulong)metadata.ClientFlags);
                        break;
                    case (byte)'h':
                        MetaResponseWriter.WriteFlag(_output, (byte)'h', metadata.FetchedBefore ? 1UL : 0UL);
                        break;
                    case (byte)'k':
                        WriteKey(_output, in _flags);
                        break;
                    case (byte)'l':
                        MetaResponseWriter.WriteFlag(_output, (byte)'l', (ulong)metadata.SecondsSinceLastAccess);
                        break;
                    case (byte)'O':
                        MetaResponseWriter.WriteFlag(_output, (byte)'O', token[1..]);
                        break;
                    case (byte)'s':
                        MetaResponseWriter.WriteFlag(_output, (byte)'s', (ulong)metadata.ValueLength);
                        break;
                    case (byte)'t':
                        MetaResponseWriter.WriteFlag(_output, (byte)'t', (long)metadata.RemainingTtl);
                        break;
                    default:
                        break;
                }
            }

            if (metadata.TokenAlreadySent)
            {
                MetaResponseWriter.Write(_output, " Z"u8);
            }

            if (metadata.Stale)
            {
                MetaResponseWriter.Write(_output, " X"u8);
            }

            if (metadata.Win)
            {
                MetaResponseWriter.Write(_output, " W"u8);
            }

            EndLine(_output);
            if (_withValue)
            {
                MetaResponseWriter.Write(_output, value);
                EndLine(_output);
            }
        }
    }
}

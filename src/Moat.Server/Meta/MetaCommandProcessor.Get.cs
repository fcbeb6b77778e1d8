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
    private static ReadOnlySpan<byte> GetFlags => "bcfhklOqstvENRT"u8;

    private void ExecuteGet(in TextTokens tokens, IBufferWriter<byte> output)
    {
        var opening = Open(in tokens, 2, GetFlags, namedFlagErrors: true, out var flags, out var key, out var errorLine);
        if (opening is MetaOpening.LineRefused or MetaOpening.FlagsRefused
            || !TryBuildRead(in flags, keyDecoded: opening == MetaOpening.Ready, out var request, out errorLine))
        {
            MetaResponseWriter.Write(output, errorLine);
            return;
        }

        var withValue = flags.Has((byte)'v');
        request = request with { MetadataOnly = !withValue };
        var sink = new MetaGetSink(output, flags, withValue);
        var status = context.Executor.ReadWithClass(key, in request, ref sink, out var slabClass);
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
    /// Reads mg's T N R E values in token order, as memcached does: a key that did not decode fails at its b token,
    /// and the last failure names the error line.
    /// </summary>
    private static bool TryBuildRead(scoped in MetaFlags flags, bool keyDecoded, out ReadRequest request, out ReadOnlySpan<byte> errorLine)
    {
        request = default;
        errorLine = default;
        var failed = false;
        var tokens = flags.Tokens;
        for (var i = flags.FirstFlagToken; i < tokens.Count; i++)
        {
            var token = tokens[i];
            var text = token[1..];
            switch (token[0])
            {
                case (byte)'b':
                    failed |= Refuse(!keyDecoded, KeyDecodeError, ref errorLine);
                    break;
                case (byte)'T':
                    failed |= Refuse(!TryParseExptime(text, out var touchExptime), BadToken, ref errorLine);
                    request = request with { Touch = true, TouchExptime = touchExptime };
                    break;
                case (byte)'N':
                    failed |= Refuse(!TryParseExptime(text, out var vivifyExptime), BadToken, ref errorLine);
                    request = request with { Vivify = true, VivifyExptime = vivifyExptime };
                    break;
                case (byte)'R':
                    failed |= Refuse(!TryParseExptime(text, out var threshold), BadToken, ref errorLine);
                    request = request with { Recache = true, RecacheThreshold = threshold };
                    break;
                case (byte)'E':
                    // Only a stub created by N takes it: memcached ignores E when mg changes nothing.
                    failed |= Refuse(!AsciiNumber.TryParseUInt64(text, out var newCas), BadToken, ref errorLine);
                    request = request with { ExplicitCas = newCas };
                    break;
                default:
                    break;
            }
        }

        return !failed;
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

    /// <summary>Writes an mg hit: "VA len flags\r\nvalue\r\n" or "HD flags\r\n", flags in the order requested, then Z X W.</summary>
    private readonly ref struct MetaGetSink(IBufferWriter<byte> output, MetaFlags flags, bool withValue) : IItemSink
    {
        private readonly IBufferWriter<byte> _output = output;
        private readonly MetaFlags _flags = flags;
        private readonly bool _withValue = withValue;

        public void OnItem(in ItemMetadata metadata, ReadOnlySpan<byte> value)
        {
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

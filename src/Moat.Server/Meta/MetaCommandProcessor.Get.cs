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
        if (!TryOpen(in tokens, GetFlags, namedFlagErrors: true, output, out var flags, out var key))
        {
            return;
        }

        var request = default(ReadRequest);
        if (flags.Has((byte)'T'))
        {
            if (!TryParseExptime(flags.Value((byte)'T'), out var exptime))
            {
                MetaResponseWriter.Write(output, BadToken);
                return;
            }

            request = request with { Touch = true, TouchExptime = exptime };
        }

        if (flags.Has((byte)'N'))
        {
            if (!TryParseExptime(flags.Value((byte)'N'), out var exptime))
            {
                MetaResponseWriter.Write(output, BadToken);
                return;
            }

            request = request with { Vivify = true, VivifyExptime = exptime };
        }

        if (flags.Has((byte)'R'))
        {
            if (!TryParseExptime(flags.Value((byte)'R'), out var threshold))
            {
                MetaResponseWriter.Write(output, BadToken);
                return;
            }

            request = request with { Recache = true, RecacheThreshold = threshold };
        }

        if (flags.Has((byte)'E'))
        {
            // Only a stub created by N takes it: memcached ignores E when mg changes nothing.
            if (!AsciiNumber.TryParseUInt64(flags.Value((byte)'E'), out var newCas))
            {
                MetaResponseWriter.Write(output, BadToken);
                return;
            }

            request = request with { ExplicitCas = newCas };
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

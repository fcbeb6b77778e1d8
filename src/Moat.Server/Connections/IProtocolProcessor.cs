using System.Buffers;
using Moat.Server.Text;

namespace Moat.Server.Connections;

/// <summary>One protocol's processing of a connection's bytes: text (with meta) or binary.</summary>
internal interface IProtocolProcessor
{
    /// <summary>Runs the complete commands at the start of <paramref name="buffer"/> and slices it past what was consumed.</summary>
    ProcessOutcome Process(ref ReadOnlySequence<byte> buffer, IBufferWriter<byte> output);

    /// <summary>True while a request's bytes are still being skipped (a refused value arriving), i.e. a request is unfinished.</summary>
    bool IsSkipping { get; }
}

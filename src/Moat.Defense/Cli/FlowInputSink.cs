using System.Runtime.CompilerServices;
using Moat.Defense.Analysis;
using Moat.Defense.Flows;

namespace Moat.Defense.Cli;

/// <summary>Passes one input's flow records to the analyzer and notes the time range they cover (JSON first_ts/last_ts).</summary>
internal sealed class FlowInputSink : IFlowSink
{
    private readonly DetectAnalyzer _analyzer;

    public FlowInputSink(DetectAnalyzer analyzer)
    {
        _analyzer = analyzer;
    }

    public long Records { get; private set; }

    public long? FirstNs { get; private set; }

    public long? LastNs { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Accept(in FlowRecord flow)
    {
        Records++;
        FirstNs = FirstNs is { } first && first <= flow.StartNs ? first : flow.StartNs;
        LastNs = LastNs is { } last && last >= flow.EndNs ? last : flow.EndNs;
        _analyzer.ProcessFlow(flow);
    }
}

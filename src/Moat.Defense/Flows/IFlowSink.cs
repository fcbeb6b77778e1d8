namespace Moat.Defense.Flows;

/// <summary>Receives decoded flow records (the analyzer, or a counter in benchmarks).</summary>
internal interface IFlowSink
{
    void Accept(in FlowRecord flow);
}

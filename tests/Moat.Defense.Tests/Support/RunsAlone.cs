namespace Moat.Defense.Tests.Support;

/// <summary>
/// Tests that load the machine (the 500k-packet run) or depend on prompt packet delivery (live
/// capture, network probes with short timeouts) run alone, not beside each other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "serial";
}

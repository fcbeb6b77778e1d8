namespace Moat.Client;

/// <summary>Names to subscribe to with OpenTelemetry (<c>AddMeter</c>, <c>AddSource</c>).</summary>
public static class MoatClientTelemetry
{
    /// <summary>Name of both the Meter and the ActivitySource.</summary>
    public const string Name = "Moat.Client";
}

using Moat.Soak.Wire;

namespace Moat.Soak.Actors;

/// <summary>
/// An actor that keeps one connection per protocol and runs steps on a randomly chosen one until the run stops.
/// A step that times out, meets a closed connection or an impossible reply is a failure; the connection is then
/// replaced.
/// </summary>
public abstract class ClientActor(SoakContext context, string name, int seed)
{
    private readonly CacheClient?[] _clients = new CacheClient?[3];

    protected SoakContext Context { get; } = context;

    protected SoakReport Report => Context.Report;

    protected string Name { get; } = name;

    protected Random Random { get; } = new(seed);

    /// <summary>What the current step is doing, for failure messages.</summary>
    protected string Doing { get; set; } = "";

    public async Task RunAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var protocol = (WireProtocol)Random.Next(3);
                CacheClient? client = null;
                Doing = "connect";
                try
                {
                    client = _clients[(int)protocol] ??= await CacheClient.ConnectAsync(protocol, Context.Port, stop);
                    var token = client.Connection.BeginOperation(Context.Options.OperationTimeout);
                    await StepAsync(client, token);
                    continue;
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested && client is null)
                {
                    break;
                }
                catch (OperationCanceledException)
                {
                    Report.Fail($"{Name}: no reply within {Context.Options.OperationTimeout.TotalSeconds:F0} s ({protocol}: {Doing})");
                }
                catch (Exception e) when (SoakContext.IsClosed(e))
                {
                    Report.Fail($"{Name}: connection lost during {Doing} ({protocol}): {e.Message}");
                    Report.Reconnected();
                }
                catch (ProtocolViolationException e)
                {
                    Report.Fail($"{Name}: {protocol} {Doing}: {e.Message}");
                }

                _clients[(int)protocol]?.Dispose();
                _clients[(int)protocol] = null;
                await Task.Delay(100, CancellationToken.None);
            }
        }
        finally
        {
            foreach (var client in _clients)
            {
                client?.Dispose();
            }
        }
    }

    /// <summary>One operation (or one pipelined batch) on <paramref name="client"/>; <paramref name="token"/> is its deadline.</summary>
    protected abstract ValueTask StepAsync(CacheClient client, CancellationToken token);
}

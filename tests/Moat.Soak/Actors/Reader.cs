using System.Globalization;
using Moat.Soak.Wire;

namespace Moat.Soak.Actors;

/// <summary>
/// Pipelined multi-key reads (get/gets/gat/gats, mg batches, GETKQ/GATKQ batches) of owned keys (Zipf), shared
/// keys and counters; every hit is verified, owned keys against the floor their writer had published when the
/// batch was sent.
/// </summary>
public sealed class Reader(SoakContext context, int id)
    : ClientActor(context, "reader " + id.ToString(CultureInfo.InvariantCulture), (context.Options.Seed * 104729) + id)
{
    private readonly List<string> _names = [];
    private readonly List<(int Kind, int Key, long Floor)> _targets = [];

    protected override async ValueTask StepAsync(CacheClient client, CancellationToken token)
    {
        _names.Clear();
        _targets.Clear();
        var count = 1 + Random.Next(24);
        for (var i = 0; i < count; i++)
        {
            var roll = Random.Next(100);
            if (roll < 80)
            {
                var key = Context.OwnedPopularity.Next(Random);
                _targets.Add((0, key, Context.Keys.Floor(key)));
                _names.Add(Context.Keys.Owned[key]);
            }
            else if (roll < 92)
            {
                var key = Random.Next(Context.Keys.Shared.Length);
                _targets.Add((1, key, 0));
                _names.Add(Context.Keys.Shared[key]);
            }
            else
            {
                var key = Random.Next(Context.Keys.Counters.Length);
                _targets.Add((2, key, 0));
                _names.Add(Context.Keys.Counters[key]);
            }
        }

        var roll2 = Random.Next(10);
        var mode = roll2 < 5 ? ReadMode.Get : roll2 < 7 ? ReadMode.Gets : roll2 < 9 ? ReadMode.Gat : ReadMode.Gats;
        var ttl = mode == ReadMode.Gats ? 60 + Random.Next(540) : 0;
        Doing = $"{mode.ToString().ToLowerInvariant()} of {count} keys ({string.Join(' ', _names.Take(4))}...)";
        var hits = await client.GetAsync(_names, mode, ttl, OnHit, token);
        Report.Count(client.Protocol, mode is ReadMode.Gat or ReadMode.Gats ? SoakOp.Gat : SoakOp.Get);
        Report.Miss(count - hits);
    }

    private void OnHit(int index, uint flags, ulong cas, ReadOnlySpan<byte> value)
    {
        var (kind, key, floor) = _targets[index];
        switch (kind)
        {
            case 0:
                Context.CheckOwned(Name, key, floor, flags, value);
                break;
            case 1:
                Context.CheckShared(Name, key, flags, value);
                break;
            default:
                Context.CheckCounter(Name, key, value);
                break;
        }
    }
}

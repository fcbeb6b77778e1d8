using System.Globalization;
using Moat.Soak.Values;
using Moat.Soak.Wire;

namespace Moat.Soak.Actors;

/// <summary>
/// Writes its own slice of the owned keys (key mod writers), and races the other writers on shared keys and
/// counters, over all three protocols. It knows each owned key's state exactly, so its own reads of them must
/// return exactly the last acknowledged state or nothing, and a <c>cas</c> after its own <c>gets</c> must never
/// meet EXISTS.
/// </summary>
public sealed class Writer(SoakContext context, int id)
    : ClientActor(context, "writer " + id.ToString(CultureInfo.InvariantCulture), (context.Options.Seed * 7919) + id)
{
    private const int MaxAppends = 200;

    private readonly uint[] _versions = new uint[context.Options.OwnedKeys];
    private readonly (int Epoch, ulong Value)[] _lastCounter = new (int, ulong)[context.Options.Counters];
    private readonly ZipfSampler _popularity = new(Math.Max(1, context.Options.OwnedKeys / context.Options.Writers), context.Options.ZipfExponent);
    private byte[] _value = new byte[64 * 1024];

    protected override async ValueTask StepAsync(CacheClient client, CancellationToken token)
    {
        var roll = Random.Next(100);
        if (roll < 10)
        {
            await SharedAsync(client, token);
            return;
        }

        if (roll < 22)
        {
            await CounterAsync(client, token);
            return;
        }

        var key = OwnedKey();
        switch (roll)
        {
            case < 58:
                await StoreOwnedAsync(client, key, StoreMode.Set, token);
                break;
            case < 63:
                await StoreOwnedAsync(client, key, StoreMode.Add, token);
                break;
            case < 72:
                await AppendAsync(client, key, token);
                break;
            case < 80:
                await StoreOwnedAsync(client, key, StoreMode.Cas, token);
                break;
            case < 85:
                await DeleteAsync(client, key, token);
                break;
            case < 90:
                await TouchAsync(client, key, token);
                break;
            default:
                await ReadOwnAsync(client, key, ReadModeFor(Random.Next(4)), token);
                break;
        }
    }

    private int OwnedKey()
    {
        var key = (_popularity.Next(Random) * Context.Options.Writers) + id;
        return key < Context.Options.OwnedKeys ? key : id;
    }

    private static ReadMode ReadModeFor(int n) => (ReadMode)n;

    private async ValueTask StoreOwnedAsync(CacheClient client, int key, StoreMode mode, CancellationToken token)
    {
        var name = Context.Keys.Owned[key];
        ulong cas = 0;
        if (mode == StoreMode.Cas)
        {
            // gets (as gets, mg c, or GETK) first: the hit must be exactly what this writer last stored.
            var found = false;
            Doing = $"gets {name} before cas";
            await client.GetAsync([name], ReadMode.Gets, 0, (_, flags, c, value) =>
            {
                found = true;
                cas = c;
                CheckOwn(key, flags, value);
            }, token);
            Report.Count(client.Protocol, SoakOp.Get);
            if (!found)
            {
                Report.Miss(1);
                return;
            }
        }

        var version = ++_versions[key];
        var length = Context.Codec.SizeFor(name, version, nearLimit: true);
        if (length > ValueCodec.LargestRegular)
        {
            // Values near -I are only ever set: their refusal one byte over removes the old value (as memcached).
            mode = StoreMode.Set;
        }

        var value = Value(length);
        ValueCodec.Fill(name, version, value.Span);
        var ttl = Random.Next(10) == 0 ? 2 + Random.Next(58) : 0;
        var quiet = mode == StoreMode.Set && length < 4096 && Random.Next(5) == 0;
        Context.Keys.Sent(key, KeySpace.State(version, 0));
        Doing = $"{mode.ToString().ToLowerInvariant()} {name} version {version} ({length} B{(quiet ? ", quiet" : "")})";
        var result = await client.StoreAsync(mode, name, version, ttl, value, cas, quiet, token);
        Report.Count(client.Protocol, mode == StoreMode.Set ? SoakOp.Set : mode == StoreMode.Add ? SoakOp.Add : SoakOp.Cas);
        var max = Context.Codec.MaxValueFor(name.Length);
        switch (result)
        {
            case StoreResult.Stored:
                if (length > max)
                {
                    Report.Fail($"{Name}: {client.Protocol} {Doing} was stored though it is {length - max} byte(s) over the largest value -I allows ({max})");
                }

                Context.Keys.SetFloor(key, KeySpace.State(version, 0));
                break;
            case StoreResult.NotStored when mode == StoreMode.Add:
            case StoreResult.NotFound when mode == StoreMode.Cas:
                break;
            case StoreResult.OutOfMemory when Context.ToleratesOutOfMemory(name.Length + length):
                Report.ToleratedOutOfMemory();
                break;
            case StoreResult.Exists when mode == StoreMode.Cas:
                Report.Fail($"{Name}: {client.Protocol} {Doing} answered EXISTS: the CAS of a key only this writer writes changed between its gets and its cas");
                break;
            case StoreResult.TooLarge when mode == StoreMode.Set && length > max:
                // Refused: memcached then removes the old value, and so must moat (text, ms, binary SET).
                Report.TooLarge();
                Context.Keys.SetFloor(key, KeySpace.State(version, (int)KeySpace.DeletedAppends));
                await ReadOwnAsync(client, key, ReadMode.Get, token);
                break;
            default:
                Report.Fail($"{Name}: {client.Protocol} {Doing} answered {result} (largest value for this key: {max})");
                break;
        }
    }

    private async ValueTask AppendAsync(CacheClient client, int key, CancellationToken token)
    {
        var floor = Context.Keys.Floor(key);
        var appends = (int)(floor & 0xFFFF);
        if (floor == 0 || appends >= MaxAppends)
        {
            await StoreOwnedAsync(client, key, StoreMode.Set, token);
            return;
        }

        var name = Context.Keys.Owned[key];
        var version = (uint)(floor >> 16);
        var index = appends + 1;
        var value = Value(ValueCodec.ChunkLength(name, version, index));
        ValueCodec.FillChunk(name, version, index, value.Span);
        Context.Keys.Sent(key, KeySpace.State(version, index));
        Doing = $"append {name} chunk {index} to version {version}";
        var result = await client.StoreAsync(StoreMode.Append, name, 0, 0, value, 0, false, token);
        Report.Count(client.Protocol, SoakOp.Append);
        switch (result)
        {
            case StoreResult.Stored:
                Context.Keys.SetFloor(key, KeySpace.State(version, index));
                break;
            case StoreResult.NotStored:
                // Gone (evicted, expired) or the result would pass -I.
                break;
            case StoreResult.OutOfMemory when Context.ToleratesOutOfMemory(name.Length + Context.Codec.SizeFor(name, version, nearLimit: true)):
                Report.ToleratedOutOfMemory();
                break;
            default:
                Report.Fail($"{Name}: {client.Protocol} {Doing} answered {result}");
                break;
        }
    }

    private async ValueTask DeleteAsync(CacheClient client, int key, CancellationToken token)
    {
        var name = Context.Keys.Owned[key];
        Doing = $"delete {name}";
        await client.DeleteAsync(name, token);
        Report.Count(client.Protocol, SoakOp.Delete);
        Context.Keys.SetFloor(key, KeySpace.State(_versions[key], (int)KeySpace.DeletedAppends));
    }

    private async ValueTask TouchAsync(CacheClient client, int key, CancellationToken token)
    {
        var name = Context.Keys.Owned[key];
        var ttl = Random.Next(5) < 3 ? 0 : 1 + Random.Next(30);
        Doing = $"touch {name} {ttl}";
        await client.TouchAsync(name, ttl, token);
        Report.Count(client.Protocol, SoakOp.Touch);
    }

    private async ValueTask ReadOwnAsync(CacheClient client, int key, ReadMode mode, CancellationToken token)
    {
        var name = Context.Keys.Owned[key];
        Doing = $"{mode.ToString().ToLowerInvariant()} {name} (own key)";
        var hits = await client.GetAsync([name], mode, 0, (_, flags, _, value) => CheckOwn(key, flags, value), token);
        Report.Count(client.Protocol, SoakOp.Get);
        Report.Miss(1 - hits);
    }

    /// <summary>This writer's own read: exactly the last acknowledged state, never anything else.</summary>
    private void CheckOwn(int key, uint flags, ReadOnlySpan<byte> value)
    {
        var floor = Context.Keys.Floor(key);
        var name = Context.Keys.Owned[key];
        var problem = Context.Codec.Check(name, flags, value, nearLimit: true, allowAppends: true, out var appends);
        if (problem is not null)
        {
            Report.FailVerification($"{Name}: {problem}");
            return;
        }

        var state = KeySpace.State(flags, appends);
        if ((floor & 0xFFFF) == KeySpace.DeletedAppends || floor == 0)
        {
            Report.FailVerification($"{Name}: \"{name}\" read version {flags} + {appends} appends after its only writer deleted it or had a set refused (version {floor >> 16}) and stored nothing since");
        }
        else if (state != floor)
        {
            Report.FailVerification($"{Name}: \"{name}\" read version {flags} + {appends} appends; its only writer's last acknowledged state is version {floor >> 16} + {floor & 0xFFFF} appends");
        }
        else
        {
            Report.Hit(value.Length);
        }
    }

    private async ValueTask SharedAsync(CacheClient client, CancellationToken token)
    {
        var key = Random.Next(Context.Keys.Shared.Length);
        var name = Context.Keys.Shared[key];
        var kind = Random.Next(10);
        if (kind == 0)
        {
            Doing = $"delete {name} (shared)";
            await client.DeleteAsync(name, token);
            Report.Count(client.Protocol, SoakOp.Delete);
            return;
        }

        var mode = kind < 6 ? StoreMode.Set : kind < 8 ? StoreMode.Add : StoreMode.Cas;
        ulong cas = 0;
        if (mode == StoreMode.Cas)
        {
            var found = false;
            Doing = $"gets {name} (shared) before cas";
            await client.GetAsync([name], ReadMode.Gets, 0, (_, flags, c, value) =>
            {
                found = true;
                cas = c;
                Context.CheckShared(Name, key, flags, value);
            }, token);
            Report.Count(client.Protocol, SoakOp.Get);
            if (!found)
            {
                Report.Miss(1);
                return;
            }
        }

        var version = Context.Keys.NextSharedVersion(key);
        var value = Value(Context.Codec.SizeFor(name, version, nearLimit: false));
        ValueCodec.Fill(name, version, value.Span);
        Doing = $"{mode.ToString().ToLowerInvariant()} {name} (shared) version {version}";
        var result = await client.StoreAsync(mode, name, version, 0, value, cas, false, token);
        Report.Count(client.Protocol, mode == StoreMode.Set ? SoakOp.Set : mode == StoreMode.Add ? SoakOp.Add : SoakOp.Cas);
        var fine = result switch
        {
            StoreResult.Stored => true,
            StoreResult.NotStored => mode == StoreMode.Add,
            StoreResult.Exists or StoreResult.NotFound => mode == StoreMode.Cas,
            _ => false,
        };
        if (!fine)
        {
            Report.Fail($"{Name}: {client.Protocol} {Doing} answered {result}");
        }
    }

    private async ValueTask CounterAsync(CacheClient client, CancellationToken token)
    {
        var counter = Random.Next(Context.Keys.Counters.Length);
        var name = Context.Keys.Counters[counter];
        var delta = 1 + (ulong)Random.Next(1000);
        var epochBefore = Context.Keys.CounterEpoch(counter);
        Context.Keys.CounterDelta(counter, (long)delta);
        Doing = $"incr {name} {delta}";
        var result = await client.IncrementAsync(name, delta, token);
        Report.Count(client.Protocol, SoakOp.Incr);
        if (result is not { } number)
        {
            // Missing (evicted, or never created): announce the re-creation before sending it.
            Context.Keys.CounterRecreating(counter);
            Doing = $"add {name} 0";
            var added = await client.StoreAsync(StoreMode.Add, name, 0, 0, "0"u8.ToArray(), 0, false, token);
            Report.Count(client.Protocol, SoakOp.Add);
            if (added is not (StoreResult.Stored or StoreResult.NotStored))
            {
                Report.Fail($"{Name}: {client.Protocol} add {name} 0 answered {added}");
            }

            return;
        }

        var epochAfter = Context.Keys.CounterEpoch(counter);
        var total = Context.Keys.CounterTotal(counter);
        if (number > (ulong)total || number < delta)
        {
            Report.FailVerification($"{Name}: {client.Protocol} incr {name} by {delta} answered {number}; all deltas ever sent total {total}");
        }

        var last = _lastCounter[counter];
        if (epochBefore == epochAfter && last.Epoch == epochBefore && last.Value != 0 && number <= last.Value)
        {
            Report.FailVerification($"{Name}: {client.Protocol} incr {name} by {delta} answered {number}, not above the {last.Value} this writer saw before (and the counter was not re-created in between)");
        }

        _lastCounter[counter] = (epochAfter, number);
    }

    private Memory<byte> Value(int length)
    {
        if (_value.Length < length)
        {
            _value = new byte[Math.Max(length, _value.Length * 2)];
        }

        return _value.AsMemory(0, length);
    }
}

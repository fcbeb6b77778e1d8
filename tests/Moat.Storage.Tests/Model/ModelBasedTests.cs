using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using static Moat.Storage.Tests.StoreTestExtensions;

namespace Moat.Storage.Tests.Model;

/// <summary>Random operation sequences (FsCheck) run against the store and a Dictionary model side by side.</summary>
public sealed class ModelBasedTests
{
    private const int KeyCount = 6;

    private static readonly string[] Values = ["", "a", "hello", "0", "7", "42", "99", "100", "18446744073709551615", "x y", "12 "];

    private static readonly int[] Exptimes = [0, 0, 0, 1, 2, 5, 30, -1];

    internal static Gen<ModelOperation> OperationGen(long startUnix) =>
        from kind in Gen.Frequency(
            (6, Gen.Constant(ModelOperationKind.Set)),
            (2, Gen.Constant(ModelOperationKind.Add)),
            (2, Gen.Constant(ModelOperationKind.Replace)),
            (2, Gen.Constant(ModelOperationKind.Append)),
            (2, Gen.Constant(ModelOperationKind.Prepend)),
            (3, Gen.Constant(ModelOperationKind.Cas)),
            (8, Gen.Constant(ModelOperationKind.Get)),
            (1, Gen.Constant(ModelOperationKind.GetAndTouch)),
            (2, Gen.Constant(ModelOperationKind.Delete)),
            (3, Gen.Constant(ModelOperationKind.Incr)),
            (2, Gen.Constant(ModelOperationKind.Decr)),
            (1, Gen.Constant(ModelOperationKind.Touch)),
            (3, Gen.Constant(ModelOperationKind.AdvanceClock)),
            (1, Gen.Constant(ModelOperationKind.FlushAll)))
        from key in Gen.Choose(0, KeyCount - 1)
        from value in Gen.Elements(Values)
        from flags in Gen.Elements(0u, 0u, 1u, 65535u, uint.MaxValue)
        from exptime in Gen.Frequency(
            (8, Gen.Elements(Exptimes)),
            (1, Gen.Choose(1, 4).Select(offset => (int)(startUnix + offset))),
            (1, Gen.Constant((int)(startUnix - 10))))
        from rightCas in Gen.Elements(true, true, false)
        from delta in Gen.Elements(0UL, 1UL, 5UL, 100UL, ulong.MaxValue)
        select new ModelOperation(kind, key, value, flags, exptime, rightCas, delta);

    [Fact]
    public void Random_sequences_match_the_reference_model()
    {
        var clock = new ManualClock();
        var startUnix = clock.UnixSeconds;
        var sequences = Gen.ListOf(OperationGen(startUnix)).Select(list => list.ToArray()).ToArbitrary();
        var property = Prop.ForAll(sequences, operations => RunAgainstModel(operations));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300).WithEndSize(80), property);
    }

    /// <summary>
    /// The same, in a store so small (128 KiB, 4 KiB segments) that the dead versions of a padding key overwritten
    /// after every step fill it many times over, and with every live item moved by compaction every third step:
    /// every value, flag, TTL and CAS must still match, with nothing evicted (live data fits).
    /// </summary>
    [Fact]
    public void Random_sequences_match_the_reference_model_while_compaction_moves_every_item()
    {
        var clock = new ManualClock();
        var startUnix = clock.UnixSeconds;
        var sequences = Gen.ListOf(OperationGen(startUnix)).Select(list => list.ToArray()).ToArbitrary();
        var property = Prop.ForAll(sequences, operations => RunAgainstModel(operations, churn: true));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200).WithEndSize(120), property);
    }

    private static bool RunAgainstModel(ModelOperation[] operations, bool churn = false)
    {
        var clock = new ManualClock();
        using var store = churn
            ? StoreFixture.Create(clock, limit: 128 * 1024, maxItemSize: 4096)
            : StoreFixture.Create(clock, limit: 4L * 1024 * 1024, maxItemSize: 64 * 1024);
        var model = new ReferenceModel(clock.UnixSeconds);
        var padding = new string('p', 1500);
        for (var i = 0; i < operations.Length; i++)
        {
            try
            {
                Apply(store, clock, model, operations[i]);
                for (var overwrite = 0; churn && overwrite < 4; overwrite++)
                {
                    Assert.Equal(StoreStatus.Stored, store.Set("padding", padding));
                }

                if (churn && i % 3 == 0)
                {
                    // Besides what the store compacts by itself, move every live item now and then.
                    store.CompactNow();
                }
            }
            catch (Xunit.Sdk.XunitException failure)
            {
                throw new InvalidOperationException(
                    $"Step {i} {operations[i]} failed after: {string.Join(", ", operations.Take(i))}: {failure.Message}", failure);
            }
        }

        for (var key = 0; key < KeyCount; key++)
        {
            model.BeginOperation();
            CheckRead(store, model, key, store.Get(KeyName(key)));
        }

        Assert.Equal(0, store.GetStatistics().Evictions);
        return true;
    }

    private static string KeyName(int key) => "key" + key.ToString(CultureInfo.InvariantCulture);

    private static void Apply(SegmentCacheStore store, ManualClock clock, ReferenceModel model, ModelOperation operation)
    {
        var key = KeyName(operation.Key);
        if (operation.Kind == ModelOperationKind.AdvanceClock)
        {
            var seconds = (int)(operation.Delta % 4) + 1;
            clock.AdvanceSeconds(seconds);
            model.Advance(seconds);

            // What the 1 s timer would do: drop whole expired or flushed segments. Must not change any answer.
            store.SweepNow();
            return;
        }

        model.BeginOperation();
        var current = model.Live(operation.Key);
        switch (operation.Kind)
        {
            case ModelOperationKind.Set:
            case ModelOperationKind.Add:
            case ModelOperationKind.Replace:
                {
                    var mode = operation.Kind switch
                    {
                        ModelOperationKind.Add => StoreMode.Add,
                        ModelOperationKind.Replace => StoreMode.Replace,
                        _ => StoreMode.Set,
                    };
                    var status = store.Store(key, operation.Value, new StoreRequest { Mode = mode, ClientFlags = operation.Flags, Exptime = operation.Exptime }, out var cas);
                    var applies = mode == StoreMode.Set || (mode == StoreMode.Add ? current is null : current is not null);
                    Assert.Equal(applies ? StoreStatus.Stored : StoreStatus.NotStored, status);
                    if (applies)
                    {
                        model.Put(operation.Key, new ModelItem(operation.Value, operation.Flags, model.ToExpiry(operation.Exptime), cas));
                    }

                    break;
                }

            case ModelOperationKind.Append:
            case ModelOperationKind.Prepend:
                {
                    var mode = operation.Kind == ModelOperationKind.Append ? StoreMode.Append : StoreMode.Prepend;
                    var status = store.Store(key, operation.Value, new StoreRequest { Mode = mode, ClientFlags = operation.Flags, Exptime = operation.Exptime }, out var cas);
                    if (current is null)
                    {
                        Assert.Equal(StoreStatus.NotStored, status);
                    }
                    else
                    {
                        Assert.Equal(StoreStatus.Stored, status);
                        var value = mode == StoreMode.Append ? current.Value + operation.Value : operation.Value + current.Value;
                        model.Put(operation.Key, current with { Value = value, Cas = cas });
                    }

                    break;
                }

            case ModelOperationKind.Cas:
                {
                    var compare = current is null ? 777UL : operation.RightCas ? current.Cas : current.Cas + 1_000_003;
                    var status = store.Store(key, operation.Value, new StoreRequest { ClientFlags = operation.Flags, Exptime = operation.Exptime, CompareCas = compare }, out var cas);
                    if (current is null)
                    {
                        Assert.Equal(StoreStatus.NotFound, status);
                    }
                    else if (operation.RightCas)
                    {
                        Assert.Equal(StoreStatus.Stored, status);
                        model.Put(operation.Key, new ModelItem(operation.Value, operation.Flags, model.ToExpiry(operation.Exptime), cas));
                    }
                    else
                    {
                        Assert.Equal(StoreStatus.Exists, status);
                    }

                    break;
                }

            case ModelOperationKind.Get:
                CheckRead(store, model, operation.Key, store.Get(key));
                break;

            case ModelOperationKind.GetAndTouch:
                {
                    // memcached returns the item even when the new exptime is already past; later reads miss.
                    var result = store.Get(key, ReadRequest.GetAndTouch(operation.Exptime));
                    if (current is null)
                    {
                        Assert.Equal(ReadStatus.Miss, result.Status);
                        break;
                    }

                    var touched = current with { Expiry = model.ToExpiry(operation.Exptime) };
                    Assert.Equal(ReadStatus.Hit, result.Status);
                    Assert.Equal(current.Value, result.Value);
                    Assert.Equal(current.Cas, result.Metadata.Cas);
                    if (touched.Expiry == 0 || touched.Expiry > model.Now)
                    {
                        Assert.Equal(touched.Expiry == 0 ? -1 : (int)(touched.Expiry - model.Now), result.Metadata.RemainingTtl);
                    }

                    model.Put(operation.Key, touched);
                    break;
                }

            case ModelOperationKind.Delete:
                Assert.Equal(current is null ? DeleteStatus.NotFound : DeleteStatus.Deleted, store.Delete(key));
                model.Remove(operation.Key);
                break;

            case ModelOperationKind.Incr:
            case ModelOperationKind.Decr:
                {
                    var decrement = operation.Kind == ModelOperationKind.Decr;
                    var status = store.Arithmetic(Bytes(key), new ArithmeticRequest { Delta = operation.Delta, Decrement = decrement }, out var newValue, out var metadata);
                    if (current is null)
                    {
                        Assert.Equal(ArithmeticStatus.NotFound, status);
                    }
                    else if (current.Value.Length == 0 || !ReferenceModel.TryParseNumber(current.Value, out var number))
                    {
                        Assert.Equal(ArithmeticStatus.NonNumeric, status);
                    }
                    else
                    {
                        var expected = decrement ? (operation.Delta > number ? 0 : number - operation.Delta) : unchecked(number + operation.Delta);
                        Assert.Equal(ArithmeticStatus.Updated, status);
                        Assert.Equal(expected, newValue);
                        var digits = expected.ToString(CultureInfo.InvariantCulture);
                        var stored = digits.Length < current.Value.Length ? digits.PadRight(current.Value.Length) : digits;
                        model.Put(operation.Key, current with { Value = stored, Cas = metadata.Cas });
                    }

                    break;
                }

            case ModelOperationKind.Touch:
                {
                    var touched = store.Touch(Bytes(key), operation.Exptime);
                    Assert.Equal(current is not null, touched);
                    if (current is not null)
                    {
                        model.Put(operation.Key, current with { Expiry = model.ToExpiry(operation.Exptime) });
                    }

                    break;
                }

            case ModelOperationKind.FlushAll:
                {
                    var delay = (int)(operation.Delta % 3);
                    store.FlushAll(delay);
                    model.FlushAll(delay);
                    break;
                }

            default:
                throw new InvalidOperationException(operation.Kind.ToString());
        }
    }

    private static void CheckRead(SegmentCacheStore store, ReferenceModel model, int key, (ReadStatus Status, string? Value, ItemMetadata Metadata) result)
    {
        var expected = model.Live(key);
        if (expected is null)
        {
            Assert.Equal(ReadStatus.Miss, result.Status);
            return;
        }

        Assert.Equal(ReadStatus.Hit, result.Status);
        Assert.Equal(expected.Value, result.Value);
        Assert.Equal(expected.Flags, result.Metadata.ClientFlags);
        Assert.Equal(expected.Cas, result.Metadata.Cas);
        var ttl = expected.Expiry == 0 ? -1 : (int)(expected.Expiry - model.Now);
        Assert.Equal(ttl, result.Metadata.RemainingTtl);
        _ = store;
    }
}

using System.Text;
using System.Text.Json;
using Moat.Client.Distribution;

namespace Moat.Client.Tests.Distribution;

/// <summary>shared/ketama-vectors.json: real outputs of libmemcached, nutcracker, spymemcached and Enyim.</summary>
public sealed class KetamaVectorTests
{
    // algorithm in the JSON → the client's distribution that must reproduce it exactly
    private static readonly Dictionary<string, KeyDistribution> Supported = new(StringComparer.Ordinal)
    {
        ["libmemcached-ketama"] = KeyDistribution.KetamaLibmemcached,
        ["twemproxy-ketama-md5"] = KeyDistribution.KetamaLibmemcached,
        ["spymemcached-ketama"] = KeyDistribution.KetamaSpymemcached,
        ["enyim-ketama-2010"] = KeyDistribution.KetamaSpymemcached, // = spymemcached for this server set
    };

    private static readonly Lazy<List<JsonElement>> Vectors = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Distribution", "ketama-vectors.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.EnumerateArray().Select(element => element.Clone()).ToList();
    });

    public static TheoryData<int> SupportedIndexes() => Indexes(supported: true);

    public static TheoryData<int> UnsupportedIndexes() => Indexes(supported: false);

    private static TheoryData<int> Indexes(bool supported)
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Vectors.Value.Count; i++)
        {
            if (Supported.ContainsKey(Vectors.Value[i].GetProperty("algorithm").GetString()!) == supported)
            {
                data.Add(i);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SupportedIndexes))]
    public async Task Supported_configuration_maps_every_recorded_key_exactly(int index)
    {
        var vector = Vectors.Value[index];
        var algorithm = vector.GetProperty("algorithm").GetString()!;
        await using var client = ClientFor(vector, Supported[algorithm]);
        var keys = vector.GetProperty("keys");
        Assert.Equal(20, keys.EnumerateObject().Count());
        foreach (var entry in keys.EnumerateObject())
        {
            Assert.True(entry.Value.GetString() == client.GetServerForKey(entry.Name), $"{algorithm}: {entry.Name}");
        }
    }

    [Theory]
    [MemberData(nameof(UnsupportedIndexes))]
    public async Task Do_not_do_this_configurations_differ_from_both_supported_rings(int index)
    {
        var vector = Vectors.Value[index];
        foreach (var distribution in new[] { KeyDistribution.KetamaLibmemcached, KeyDistribution.KetamaSpymemcached })
        {
            await using var client = ClientFor(vector, distribution);
            var differences = vector.GetProperty("keys").EnumerateObject()
                .Count(entry => entry.Value.GetString() != client.GetServerForKey(entry.Name));
            Assert.True(differences > 0, $"{vector.GetProperty("algorithm").GetString()} unexpectedly equals {distribution}");
        }
    }

    [Fact]
    public void Md5_key_hash_matches_every_recorded_value()
    {
        var vector = Vectors.Value.First(v => v.GetProperty("algorithm").GetString() == "libmemcached-ketama");
        foreach (var entry in vector.GetProperty("key_hash_values").EnumerateObject())
        {
            Assert.Equal(entry.Value.GetUInt32(), KetamaRing.HashKey(Encoding.UTF8.GetBytes(entry.Name)));
        }
    }

    [Fact]
    public void Weighted_ring_has_80_160_240_points_for_weights_1_2_3()
    {
        Assert.Equal(160, new KetamaRing(["a"], [1], [0]).PointCount);
        Assert.Equal(480, new KetamaRing(["a", "b", "c"], [1, 1, 1], [0, 1, 2]).PointCount);
        Assert.Equal(480, new KetamaRing(["a", "b", "c"], [1, 2, 3], [0, 1, 2]).PointCount);
        var ring = new KetamaRing(["a", "b", "c"], [1, 2, 3], [0, 1, 2]);
        var owned = new int[3];
        for (uint probe = 0; probe < 4_000_000; probe += 997)
        {
            owned[ring.Locate(probe * 1024u)]++;
        }

        Assert.True(owned[0] < owned[1] && owned[1] < owned[2]);
    }

    [Fact]
    public async Task Node_names_replace_addresses_on_the_ring()
    {
        var named = new MoatClientOptions();
        named.Servers.Add("10.0.0.1:11211:1 cache-a");
        named.Servers.Add("10.0.0.2:11300:1 cache-b");
        var moved = new MoatClientOptions();
        moved.Servers.Add("192.168.1.9:22000:1 cache-a");
        moved.Servers.Add("192.168.1.7:11211:1 cache-b");
        await using var first = new MoatClient(named);
        await using var second = new MoatClient(moved);
        for (var i = 0; i < 500; i++)
        {
            var key = "user:" + i;
            var a = first.GetServerForKey(key) == "10.0.0.1:11211";
            var b = second.GetServerForKey(key) == "192.168.1.9:22000";
            Assert.Equal(a, b);
        }
    }

    [Fact]
    public async Task Key_prefix_is_not_hashed_unless_asked()
    {
        var plain = Options(KeyDistribution.KetamaLibmemcached, null);
        var prefixed = Options(KeyDistribution.KetamaLibmemcached, null);
        prefixed.KeyPrefix = "app1:";
        var hashedPrefix = Options(KeyDistribution.KetamaLibmemcached, null);
        hashedPrefix.KeyPrefix = "app1:";
        hashedPrefix.HashKeyPrefix = true;
        await using var a = new MoatClient(plain);
        await using var b = new MoatClient(prefixed);
        await using var c = new MoatClient(hashedPrefix);
        var keys = Enumerable.Range(0, 200).Select(i => "k" + i).ToList();
        Assert.All(keys, key => Assert.Equal(a.GetServerForKey(key), b.GetServerForKey(key)));
        Assert.Contains(keys, key => a.GetServerForKey(key) != c.GetServerForKey(key));
        Assert.All(keys, key => Assert.Equal(a.GetServerForKey("app1:" + key), c.GetServerForKey(key)));
    }

    private static MoatClient ClientFor(JsonElement vector, KeyDistribution distribution)
    {
        var weights = vector.GetProperty("weights").ValueKind == JsonValueKind.Array
            ? vector.GetProperty("weights").EnumerateArray().Select(w => w.GetInt32()).ToArray()
            : null;
        return new MoatClient(Options(distribution, weights, vector.GetProperty("servers").EnumerateArray().Select(s => s.GetString()!).ToArray()));
    }

    private static MoatClientOptions Options(KeyDistribution distribution, int[]? weights, string[]? servers = null)
    {
        servers ??= ["127.0.0.1:11211", "127.0.0.1:11212", "127.0.0.1:11213"];
        var options = new MoatClientOptions { Distribution = distribution };
        for (var i = 0; i < servers.Length; i++)
        {
            options.Servers.Add(weights is null ? servers[i] : $"{servers[i]}:{weights[i]}");
        }

        return options;
    }
}

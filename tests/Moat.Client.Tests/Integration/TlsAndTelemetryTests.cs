using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Moat.Client.Tests.Infrastructure;

namespace Moat.Client.Tests.Integration;

public sealed class TlsAndTelemetryTests
{
    [MemcachedFact]
    public async Task Tls_to_memcached_with_a_pinned_self_signed_certificate()
    {
        var directory = Directory.CreateTempSubdirectory("moat-client-tls-");
        try
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            var certPath = Path.Combine(directory.FullName, "cert.pem");
            var keyPath = Path.Combine(directory.FullName, "key.pem");
            await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
            using var server = Backends.Start("memcached", "-Z", "-o", $"ssl_chain_cert={certPath},ssl_key={keyPath}");

            var pinned = certificate.GetCertHashString(HashAlgorithmName.SHA256);
            var options = new MoatClientOptions
            {
                OperationTimeout = TimeSpan.FromSeconds(5),
                Tls = new SslClientAuthenticationOptions
                {
                    TargetHost = "localhost",
                    RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHashString(HashAlgorithmName.SHA256) == pinned,
                },
            };
            options.Servers.Add(server.Endpoint);
            await using var client = new MoatClient(options);
            Assert.True(await client.SetAsync("tls", "secret"));
            Assert.Equal("secret", (await client.GetAsync<string>("tls")).Value);
            var stats = await client.GetStatsAsync();
            Assert.Equal("yes", stats[server.Endpoint].GetValueOrDefault("ssl_enabled", "yes"));

            // A client that does not trust the certificate never gets a connection.
            options.Tls = new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = (_, _, _, _) => false };
            await using var untrusting = new MoatClient(options);
            await Assert.ThrowsAnyAsync<MoatClientException>(async () => await untrusting.GetAsync<string>("tls"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [MemcachedFact]
    public async Task Operations_are_measured_with_OpenTelemetry_database_conventions()
    {
        using var server = Backends.Start("memcached");
        var measurements = new List<(string Operation, string? Error, double Seconds)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == MoatClientTelemetry.Name && instrument.Name == "db.client.operation.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            string? operation = null;
            string? error = null;
            string? system = null;
            foreach (var tag in tags)
            {
                switch (tag.Key)
                {
                    case "db.operation.name":
                        operation = tag.Value as string;
                        break;
                    case "error.type":
                        error = tag.Value as string;
                        break;
                    case "db.system.name":
                        system = tag.Value as string;
                        break;
                }
            }

            if (system == "memcached" && operation is not null)
            {
                lock (measurements)
                {
                    measurements.Add((operation, error, value));
                }
            }
        });
        listener.Start();

        var activities = new List<Activity>();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == MoatClientTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (activities)
                {
                    activities.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(activityListener);

        var options = new MoatClientOptions { OperationTimeout = TimeSpan.FromSeconds(5), KeyPrefix = "otel" + Guid.NewGuid().ToString("N")[..6] };
        options.Servers.Add(server.Endpoint);
        await using var client = new MoatClient(options);
        await client.SetAsync("m", "v");
        await client.GetAsync<string>("m");
        await client.SetAsync("t", "abc");
        await Assert.ThrowsAsync<MoatClientException>(async () => await client.IncrementAsync("t"));

        lock (measurements)
        {
            Assert.Contains(measurements, m => m.Operation == "ms" && m.Error is null && m.Seconds >= 0);
            Assert.Contains(measurements, m => m.Operation == "mg" && m.Error is null);
            Assert.Contains(measurements, m => m.Operation == "ma" && m.Error == typeof(MoatClientException).FullName);
        }

        lock (activities)
        {
            // Other test classes run in parallel and are observed too: look only at this server's port.
            var get = Assert.Single(activities, a => a.DisplayName == "mg" && (a.GetTagItem("server.port") as int?) == server.Port);
            Assert.Equal("memcached", get.GetTagItem("db.system.name"));
            Assert.Equal("127.0.0.1", get.GetTagItem("server.address"));
            Assert.Equal(ActivityKind.Client, get.Kind);
            Assert.DoesNotContain(activities, a => a.Tags.Any(t => t.Value?.Contains(options.KeyPrefix, StringComparison.Ordinal) == true));
        }
    }
}

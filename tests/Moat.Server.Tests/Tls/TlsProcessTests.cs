using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Moat.Server.Tests.Tls;

/// <summary>The moat executable with -Z: a real SIGHUP reloads the certificate; a bad file keeps the old one and says so.</summary>
public sealed class TlsProcessTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task Sighup_reloads_the_certificate_for_new_handshakes()
    {
        var port = FreePort.Tcp();
        using var process = ProcessTests.Start(
            "-p", port.ToString(CultureInfo.InvariantCulture), "-l", "127.0.0.1", "-Z",
            "-o", $"ssl_chain_cert={_pki.ChainFile},ssl_key={_pki.KeyFile},ssl_ca_cert={_pki.CaFile}");
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, line) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(line.Data);
            }
        };
        process.BeginErrorReadLine();
        try
        {
            ProcessTests.WaitUntilListening(port);
            Assert.Equal(TestPki.SerialText(0x1001), (await TlsWire.ExchangeAsync(port, "version\r\n", _pki.Authority)).ServerCertificate?.SerialNumber);

            _pki.WriteServerCertificate(serial: 0x1002);
            Hangup(process);
            Assert.True(await EventuallyAsync(async () => (await TlsWire.ExchangeAsync(port, "version\r\n", _pki.Authority)).ServerCertificate?.SerialNumber == TestPki.SerialText(0x1002)), "no new certificate 5 s after SIGHUP");

            await File.WriteAllTextAsync(_pki.KeyFile, "garbage");
            Hangup(process);
            Assert.True(await EventuallyAsync(() => Task.FromResult(Contains(stderr, "reload failed"))), "no 'reload failed' line on stderr after a SIGHUP with a bad key");
            var after = await TlsWire.ExchangeAsync(port, "version\r\n", _pki.Authority);
            Assert.Equal("VERSION 1.6.18\r\n", after.Reply);
            Assert.Equal(TestPki.SerialText(0x1002), after.ServerCertificate?.SerialNumber);
            Assert.False(process.HasExited);
        }
        finally
        {
            process.Kill();
            process.WaitForExit(5000);
        }
    }

    private static void Hangup(Process process)
    {
        using var kill = Process.Start("kill", ["-HUP", process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit(5000);
    }

    private static bool Contains(StringBuilder text, string value)
    {
        lock (text)
        {
            return text.ToString().Contains(value, StringComparison.Ordinal);
        }
    }

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }
}

using System.Net;
using Microsoft.AspNetCore.Builder;
using Moat.Server.Configuration;
using Moat.Server.Hosting;

namespace Moat.Server.Tests.Hosting;

/// <summary>The README's embedding example: AddMoatServer in an ordinary ASP.NET Core host.</summary>
public sealed class EmbeddingTests
{
    [Fact]
    public async Task AddMoatServer_serves_memcached_from_a_web_application()
    {
        var port = FreePort.Tcp();
        var options = MemcachedFlagParser.Parse(["-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-l", "127.0.0.1"]).Options!;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddMoatServer(options);
        await using var app = builder.Build();
        await app.StartAsync();
        try
        {
            var reply = WireClient.Send(port, "set e 0 0 2\r\nhi\r\nget e\r\n", expectedLength: 29).Reply;
            Assert.Equal("STORED\r\nVALUE e 0 2\r\nhi\r\nEND\r\n", reply);
            Assert.Equal(IPAddress.Loopback, options.EffectiveListenAddresses().Single());
        }
        finally
        {
            await app.StopAsync();
        }
    }
}

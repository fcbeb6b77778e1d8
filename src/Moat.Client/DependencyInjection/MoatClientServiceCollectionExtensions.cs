using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Moat.Client.Caching;

namespace Moat.Client.DependencyInjection;

/// <summary>Registers the client (and optionally the distributed cache) with options validated at start-up.</summary>
public static class MoatClientServiceCollectionExtensions
{
    /// <summary>Registers <see cref="IMoatClient"/> and <see cref="MoatClient"/> as one singleton.</summary>
    public static IServiceCollection AddMoatClient(this IServiceCollection services, Action<MoatClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<MoatClientOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MoatClientOptions>, MoatClientOptionsValidator>());
        services.TryAddSingleton(static provider => new MoatClient(
            provider.GetRequiredService<IOptions<MoatClientOptions>>().Value,
            provider.GetService<ILogger<MoatClient>>()));
        services.TryAddSingleton<IMoatClient>(static provider => provider.GetRequiredService<MoatClient>());
        return services;
    }

    /// <summary>
    /// Registers the client plus <see cref="IDistributedCache"/> and <see cref="IBufferDistributedCache"/>, so
    /// <c>AddHybridCache()</c> uses memcached as its L2.
    /// </summary>
    public static IServiceCollection AddMoatDistributedCache(this IServiceCollection services, Action<MoatClientOptions> configure)
    {
        services.AddMoatClient(configure);
        services.TryAddSingleton(static provider => new MoatDistributedCache(
            provider.GetRequiredService<MoatClient>(),
            provider.GetRequiredService<IOptions<MoatClientOptions>>().Value.TimeProvider));
        services.TryAddSingleton<IDistributedCache>(static provider => provider.GetRequiredService<MoatDistributedCache>());
        services.TryAddSingleton<IBufferDistributedCache>(static provider => provider.GetRequiredService<MoatDistributedCache>());
        return services;
    }
}

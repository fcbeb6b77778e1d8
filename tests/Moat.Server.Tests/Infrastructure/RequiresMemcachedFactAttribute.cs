namespace Moat.Server.Tests.Infrastructure;

/// <summary>A fact reported as SKIPPED (never passed) when memcached is not installed.</summary>
public sealed class RequiresMemcachedFactAttribute : FactAttribute
{
    public RequiresMemcachedFactAttribute()
    {
        if (!File.Exists(MemcachedProcessFixture.Binary))
        {
            Skip = "memcached is not installed (/usr/bin/memcached): differential test skipped";
        }
    }
}

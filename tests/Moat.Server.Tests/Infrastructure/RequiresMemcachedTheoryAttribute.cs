namespace Moat.Server.Tests.Infrastructure;

/// <summary>A theory reported as SKIPPED (never passed) when memcached is not installed.</summary>
public sealed class RequiresMemcachedTheoryAttribute : TheoryAttribute
{
    public RequiresMemcachedTheoryAttribute()
    {
        if (!File.Exists(MemcachedProcessFixture.Binary))
        {
            Skip = "memcached is not installed (/usr/bin/memcached): differential test skipped";
        }
    }
}

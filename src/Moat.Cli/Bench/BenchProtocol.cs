namespace Moat.Cli.Bench;

/// <summary>Which memcached protocol <c>moat bench</c> speaks; the workload (keys, values, mix) is the same in each.</summary>
internal enum BenchProtocol
{
    /// <summary><c>get</c> / <c>set</c>.</summary>
    Text,

    /// <summary><c>mg &lt;key&gt; v</c> / <c>ms &lt;key&gt; &lt;length&gt;</c>.</summary>
    Meta,

    /// <summary>Binary GET / SET frames.</summary>
    Binary,
}

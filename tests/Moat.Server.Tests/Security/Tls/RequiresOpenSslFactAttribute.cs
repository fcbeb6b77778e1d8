namespace Moat.Server.Tests.Security.Tls;

/// <summary>A fact reported as SKIPPED (never passed) when the openssl command line tool is not installed.</summary>
public sealed class RequiresOpenSslFactAttribute : FactAttribute
{
    public RequiresOpenSslFactAttribute()
    {
        if (OpenSsl.Find() is null)
        {
            Skip = "openssl is not installed: TLS 1.1 cannot be offered by .NET's client here, so this check needs s_client";
        }
    }
}

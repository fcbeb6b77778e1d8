namespace Moat.Server.Tests.Auth;

/// <summary>Credential files in a temporary directory removed on dispose.</summary>
internal sealed class AuthFiles : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("moat-auth-").FullName;

    public string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

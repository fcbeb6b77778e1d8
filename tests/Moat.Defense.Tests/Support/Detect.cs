namespace Moat.Defense.Tests.Support;

/// <summary>Runs <c>moat detect</c> in-process and captures its output.</summary>
internal static class Detect
{
    public static (int Exit, string Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = DetectCommand.Run(args, stdout, stderr, () => throw new InvalidOperationException("stdin not expected"));
        return (exit, stdout.ToString(), stderr.ToString());
    }

    public static (int Exit, string Stdout, string Stderr) RunWithStdin(Stream stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = DetectCommand.Run(args, stdout, stderr, () => stdin);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}

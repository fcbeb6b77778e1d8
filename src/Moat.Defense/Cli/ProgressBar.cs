using System.Diagnostics;

namespace Moat.Defense.Cli;

/// <summary>Progress on stderr, only when stderr is a terminal (quiet when redirected, as in CI).</summary>
internal sealed class ProgressBar
{
    private readonly TextWriter _stderr;
    private readonly long? _length;
    private readonly string _unit;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private ProgressBar(TextWriter stderr, long? length, string unit)
    {
        _stderr = stderr;
        _length = length;
        _unit = unit;
    }

    public static ProgressBar? ForTerminal(TextWriter stderr, long? length, string unit = "packets") =>
        ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected ? new ProgressBar(stderr, length, unit) : null;

    public void Update(long position, long packets)
    {
        if (_length is > 0 and var length)
        {
            var fraction = Math.Min(1.0, (double)position / length);
            var filled = (int)(fraction * 30);
            _stderr.Write($"\r[{new string('#', filled)}{new string(' ', 30 - filled)}] {fraction * 100,5:F1}% {packets} {_unit} {_clock.Elapsed.TotalSeconds:F1} s");
        }
        else
        {
            _stderr.Write($"\r{packets} {_unit} {_clock.Elapsed.TotalSeconds:F1} s");
        }
    }

    public void Finish(long position, long packets)
    {
        Update(position, packets);
        _stderr.WriteLine();
    }
}

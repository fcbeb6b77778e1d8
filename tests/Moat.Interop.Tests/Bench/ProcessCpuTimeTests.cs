using Moat.Cli.Bench;

namespace Moat.Interop.Tests.Bench;

public sealed class ProcessCpuTimeTests
{
    [Fact]
    public void Parses_utime_and_stime_past_a_command_name_with_spaces_and_parens()
    {
        const string line = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 130 0 0 20 0 3 0 100 1000 50";
        Assert.Equal(3.8, ProcessCpuTime.Parse(line)!.Value, 6);
    }

    [Fact]
    public void Reads_this_process()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        Assert.NotNull(ProcessCpuTime.Read(Environment.ProcessId));
        Assert.Null(ProcessCpuTime.Parse("garbage"));
    }
}

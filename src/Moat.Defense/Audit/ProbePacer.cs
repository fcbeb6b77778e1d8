namespace Moat.Defense.Audit;

/// <summary>Spaces every probe send across all hosts to at most <c>--rate</c> per second.</summary>
internal sealed class ProbePacer : IDisposable
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _nextSlot;

    public ProbePacer(double ratePerSecond, TimeProvider time)
    {
        _time = time;
        _interval = TimeSpan.FromSeconds(1 / ratePerSecond);
        _nextSlot = time.GetTimestamp();
    }

    public async Task WaitAsync(CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation);
        try
        {
            var now = _time.GetTimestamp();
            if (_nextSlot > now)
            {
                await Task.Delay(_time.GetElapsedTime(now, _nextSlot), _time, cancellation);
                now = _nextSlot;
            }

            _nextSlot = now + (long)(_interval.TotalSeconds * _time.TimestampFrequency);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}

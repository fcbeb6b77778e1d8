namespace Moat.Defense.Capture;

/// <summary>
/// Collects warnings by code: the first message of each code is kept with a count, so a
/// damaged capture with a million bad records produces one line, not a million.
/// </summary>
internal sealed class CaptureWarnings
{
    private readonly Dictionary<string, (string Message, long Count)> _byCode = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public void Add(string code, string message)
    {
        if (_byCode.TryGetValue(code, out var existing))
        {
            _byCode[code] = (existing.Message, existing.Count + 1);
            return;
        }

        _byCode[code] = (message, 1);
        _order.Add(code);
    }

    public bool Contains(string code) => _byCode.ContainsKey(code);

    public long CountOf(string code) => _byCode.TryGetValue(code, out var entry) ? entry.Count : 0;

    public int Count => _order.Count;

    /// <summary>Warnings in the order they first appeared, each with its repetition count.</summary>
    public IEnumerable<(string Code, string Message, long Count)> Entries()
    {
        foreach (var code in _order)
        {
            var (message, count) = _byCode[code];
            yield return (code, message, count);
        }
    }

    /// <summary>Human-readable form: "message" or "message (N times)".</summary>
    public IEnumerable<string> Lines()
    {
        foreach (var (_, message, count) in Entries())
        {
            yield return count == 1 ? message : $"{message} ({count} times)";
        }
    }
}

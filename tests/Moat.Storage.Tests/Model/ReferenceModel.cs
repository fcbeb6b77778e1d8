using System.Globalization;

namespace Moat.Storage.Tests.Model;

/// <summary>
/// The simple reference: a Dictionary plus memcached's rules written the obvious way. Time is in store ticks
/// (seconds since start + 1), expiry 0 means never.
/// </summary>
internal sealed class ReferenceModel
{
    private readonly Dictionary<int, ModelItem> _items = new();
    private readonly long _startUnix;
    private uint? _pendingFlush;

    public ReferenceModel(long startUnix)
    {
        _startUnix = startUnix;
    }

    public uint Now { get; private set; } = 1;

    public void Advance(int seconds) => Now += (uint)seconds;

    public void BeginOperation()
    {
        if (_pendingFlush is { } deadline && deadline <= Now)
        {
            _items.Clear();
            _pendingFlush = null;
        }
    }

    public uint ToExpiry(int exptime)
    {
        if (exptime == 0)
        {
            return 0;
        }

        if (exptime < 0)
        {
            return 1;
        }

        if (exptime > 60 * 60 * 24 * 30)
        {
            return exptime <= _startUnix ? 1 : (uint)(exptime - _startUnix + 1);
        }

        return Now + (uint)exptime;
    }

    public ModelItem? Live(int key)
    {
        if (_items.TryGetValue(key, out var item))
        {
            if (item.Expiry == 0 || item.Expiry > Now)
            {
                return item;
            }

            _items.Remove(key);
        }

        return null;
    }

    public void Put(int key, ModelItem item) => _items[key] = item;

    public void Remove(int key) => _items.Remove(key);

    public void FlushAll(int delay)
    {
        if (delay <= 0)
        {
            _items.Clear();
            _pendingFlush = null;
            return;
        }

        var deadline = ToExpiry(delay);
        if (deadline <= Now)
        {
            _items.Clear();
            _pendingFlush = null;
        }
        else
        {
            _pendingFlush = deadline;
        }
    }

    /// <summary>memcached's safe_strtoull, the obvious way: leading digits, then the end or whitespace.</summary>
    public static bool TryParseNumber(string value, out ulong number)
    {
        var match = System.Text.RegularExpressions.Regex.Match(value, @"^[ \t\r\n\v\f]*\+?([0-9]+)([ \t\r\n\v\f].*)?$", System.Text.RegularExpressions.RegexOptions.Singleline);
        number = 0;
        return match.Success && ulong.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }
}

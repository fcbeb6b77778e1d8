using System.Globalization;

namespace Moat.Defense.Reports;

/// <summary>Culture-independent time text: RFC 3339 in UTC or in the <c>--tz</c> offset.</summary>
internal static class TimeFormat
{
    public static DateTimeOffset FromNanoseconds(long nanoseconds) =>
        DateTimeOffset.UnixEpoch.AddTicks(nanoseconds / 100);

    public static string Utc(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string UtcPrecise(long nanoseconds) =>
        FromNanoseconds(nanoseconds).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static string Local(DateTimeOffset time, TimeSpan offset) =>
        time.ToOffset(offset).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    /// <summary>Parses <c>UTC</c>, <c>Z</c>, <c>+09:00</c>, <c>-0530</c>, <c>+9</c>.</summary>
    public static bool TryParseOffset(string text, out TimeSpan offset)
    {
        offset = TimeSpan.Zero;
        if (text is "UTC" or "utc" or "Z" or "z")
        {
            return true;
        }

        if (text.Length < 2 || (text[0] != '+' && text[0] != '-'))
        {
            return false;
        }

        var sign = text[0] == '-' ? -1 : 1;
        var body = text[1..].Replace(":", string.Empty, StringComparison.Ordinal);
        if (!body.All(char.IsAsciiDigit) || body.Length is 0 or 3 or > 4)
        {
            return false;
        }

        var hours = int.Parse(body.Length <= 2 ? body : body[..2], CultureInfo.InvariantCulture);
        var minutes = body.Length == 4 ? int.Parse(body[2..], CultureInfo.InvariantCulture) : 0;
        if (hours > 14 || minutes > 59)
        {
            return false;
        }

        offset = new TimeSpan(sign * hours, sign * minutes, 0);
        return true;
    }
}

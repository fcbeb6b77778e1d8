using System.Globalization;

namespace Moat.Defense.Reports;

/// <summary>Short human-readable numbers for the table (invariant culture).</summary>
internal static class Units
{
    public static string Bytes(double value) => Scale(value, "B", 1024);

    public static string Bits(double value) => Scale(value, "bit/s", 1000);

    public static string Count(double value) => Scale(value, string.Empty, 1000).TrimEnd();

    public static string Ratio(double? value) =>
        value is { } ratio ? ratio.ToString(ratio >= 100 ? "F0" : "F2", CultureInfo.InvariantCulture) + "x" : "-";

    private static string Scale(double value, string unit, double step)
    {
        string[] prefixes = ["", "k", "M", "G", "T", "P"];
        var index = 0;
        while (Math.Abs(value) >= step && index < prefixes.Length - 1)
        {
            value /= step;
            index++;
        }

        var format = index == 0 ? "F0" : "F1";
        var prefix = step == 1024 && index > 0 ? prefixes[index].ToUpperInvariant() + "i" : prefixes[index];
        return value.ToString(format, CultureInfo.InvariantCulture) + " " + prefix + unit;
    }
}

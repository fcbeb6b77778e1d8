using System.Globalization;

namespace Moat.Defense.Cli;

/// <summary>Walks <c>--flag value</c> / <c>--flag=value</c> arguments; every parse error is a <see cref="UsageException"/>.</summary>
internal sealed class ArgumentReader
{
    private readonly string[] _args;
    private int _index;
    private string? _inlineValue;

    public ArgumentReader(string[] args)
    {
        _args = args;
    }

    /// <summary>The next argument, split at '=' for long flags; null at the end.</summary>
    public string? Next()
    {
        if (_index >= _args.Length)
        {
            return null;
        }

        var arg = _args[_index++];
        _inlineValue = null;
        if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=', StringComparison.Ordinal) is var equals and > 2)
        {
            _inlineValue = arg[(equals + 1)..];
            return arg[..equals];
        }

        return arg;
    }

    public string Value(string flag)
    {
        if (_inlineValue is not null)
        {
            var inline = _inlineValue;
            _inlineValue = null;
            return inline;
        }

        if (_index >= _args.Length)
        {
            throw new UsageException($"{flag} needs a value");
        }

        return _args[_index++];
    }

    public long Long(string flag, long min, long max)
    {
        var text = Value(flag);
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new UsageException($"{flag}: '{text}' is not a whole number in {min}..{max}");
        }

        return value;
    }

    public double Double(string flag, double min, double max)
    {
        var text = Value(flag);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < min || value > max || double.IsNaN(value))
        {
            throw new UsageException($"{flag}: '{text}' is not a number in {min}..{max}");
        }

        return value;
    }

    /// <summary>Durations like <c>60s</c>, <c>1m</c>, <c>1h</c>, <c>500ms</c>, <c>1d</c>, or plain seconds.</summary>
    public TimeSpan Duration(string flag, TimeSpan min, TimeSpan max)
    {
        var text = Value(flag);
        if (!TryParseDuration(text, out var value) || value < min || value > max)
        {
            throw new UsageException($"{flag}: '{text}' is not a duration in {min}..{max} (examples: 60s, 1m, 500ms)");
        }

        return value;
    }

    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        (string Suffix, double Seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400), (string.Empty, 1)];
        foreach (var (suffix, seconds) in units)
        {
            if (!text.EndsWith(suffix, StringComparison.Ordinal))
            {
                continue;
            }

            var number = text[..^suffix.Length];
            if (number.Length > 0 && double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            {
                value = TimeSpan.FromSeconds(amount * seconds);
                return true;
            }

            return false;
        }

        return false;
    }
}

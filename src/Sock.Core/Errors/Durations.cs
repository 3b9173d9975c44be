using System.Globalization;

namespace Sock.Core.Errors;

/// <summary>Time spans as ncat spells them: "500ms", "2s", "1.5m", "1h"; a bare number is seconds.</summary>
internal static class Durations
{
    /// <summary>Parses ncat's TIME syntax; throws a usage error naming <paramref name="what"/> when it is not one.</summary>
    public static TimeSpan Parse(string text, string what)
    {
        var s = text.Trim();
        double scale = 1000;
        if (s.EndsWith("ms", StringComparison.OrdinalIgnoreCase)) { scale = 1; s = s[..^2]; }
        else if (s.EndsWith('s') || s.EndsWith('S')) { s = s[..^1]; }
        else if (s.EndsWith('m') || s.EndsWith('M')) { scale = 60_000; s = s[..^1]; }
        else if (s.EndsWith('h') || s.EndsWith('H')) { scale = 3_600_000; s = s[..^1]; }
        if (s.Length == 0 || !double.TryParse(s, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            || double.IsNaN(v) || double.IsInfinity(v))
            throw SockException.Usage(what, text, "not a time (use a number with ms, s, m or h, e.g. 500ms, 2s)");
        var ms = v * scale;
        if (Math.Abs(ms) > TimeSpan.MaxValue.TotalMilliseconds / 2)
            throw SockException.Usage(what, text, "too long");
        return TimeSpan.FromMilliseconds(ms);
    }

    /// <summary>As <see cref="Parse"/>, for a timeout: zero or less is a usage error (ncat: "must be greater than 0").</summary>
    public static TimeSpan ParsePositive(string text, string what)
    {
        var t = Parse(text, what);
        return t > TimeSpan.Zero ? t : throw SockException.Usage(what, text, "must be more than 0");
    }

    /// <summary>As <see cref="Parse"/>, for a time that may be zero but not negative.</summary>
    public static TimeSpan ParseNonNegative(string text, string what)
    {
        var t = Parse(text, what);
        return t >= TimeSpan.Zero ? t : throw SockException.Usage(what, text, "must not be negative");
    }

    /// <summary>A short human spelling: "250ms", "3s", "1.5s".</summary>
    public static string Format(TimeSpan t) =>
        t.TotalMilliseconds < 1000
            ? $"{t.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)}ms"
            : $"{t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s";
}

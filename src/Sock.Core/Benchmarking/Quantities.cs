using System.Globalization;
using Sock.Core.Errors;

namespace Sock.Core.Benchmarking;

/// <summary>Sizes and rates as typed: "64", "128K", "1MiB" (sizes are binary, as iperf3's); "500", "10k", "1.5M" (rates are decimal).</summary>
internal static class Quantities
{
    /// <summary>A byte size; K/KiB = 1024, M/MiB = 1024², G/GiB = 1024³.</summary>
    public static long ParseSize(string text, string what)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (number, suffix) = Split(text);
        long scale = suffix.ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1024,
            "M" or "MB" or "MIB" => 1024 * 1024,
            "G" or "GB" or "GIB" => 1024L * 1024 * 1024,
            _ => 0,
        };
        if (scale == 0 || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) || v < 0 || v * scale > long.MaxValue / 2)
            throw SockException.Usage(what, text, "not a size (use bytes, or K, M, G: 64, 128K, 1M)");
        return (long)(v * scale);
    }

    /// <summary>A count per second; k = 1000, M = 10⁶.</summary>
    public static double ParseRate(string text, string what)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (number, suffix) = Split(text.EndsWith("/s", StringComparison.Ordinal) ? text[..^2] : text);
        double scale = suffix switch
        {
            "" => 1,
            "k" or "K" => 1e3,
            "m" or "M" => 1e6,
            _ => 0,
        };
        if (scale == 0 || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) || v <= 0 || double.IsInfinity(v))
            throw SockException.Usage(what, text, "not a rate (a positive number per second, e.g. 500, 10k, 1M)");
        return v * scale;
    }

    /// <summary>A whole number of things, at least 1; k = 1000, M = 10⁶ ("10k" datagrams).</summary>
    public static long ParseCount(string text, string what)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (number, suffix) = Split(text);
        double scale = suffix switch
        {
            "" => 1,
            "k" or "K" => 1e3,
            "m" or "M" => 1e6,
            _ => 0,
        };
        if (scale == 0 || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v)
            || v * scale < 1 || v * scale != Math.Floor(v * scale) || v * scale > long.MaxValue / 2)
            throw SockException.Usage(what, text, "not a count (a whole number, at least 1, e.g. 1000, 10k, 1M)");
        return (long)(v * scale);
    }

    private static (string Number, string Suffix) Split(string text)
    {
        var t = text.Trim();
        var i = 0;
        while (i < t.Length && (char.IsAsciiDigit(t[i]) || t[i] == '.')) i++;
        return (t[..i], t[i..]);
    }
}

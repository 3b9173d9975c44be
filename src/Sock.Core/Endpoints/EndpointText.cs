using System.Net;
using System.Net.Sockets;
using Sock.Core.Errors;

namespace Sock.Core.Endpoints;

/// <summary>Reading and writing endpoints as people type them: 127.0.0.1:8080, [::1]:443, host:port.</summary>
internal static class EndpointText
{
    /// <summary>
    /// Splits "host:port", "[v6]:port" or a bare "v6" address with "port" from elsewhere.
    /// A bare IPv6 address such as "::1" has no port part: it needs brackets to carry one.
    /// </summary>
    public static (string Host, string? Port) Split(string text)
    {
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0)
                throw SockException.Usage("address", text, "missing ']' after an IPv6 address");
            var host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length == 0) return (host, null);
            if (rest[0] != ':' || rest.Length == 1)
                throw SockException.Usage("address", text, "expected ':PORT' after ']'");
            return (host, rest[1..]);
        }
        var colons = text.Count(c => c == ':');
        if (colons == 1)
        {
            var i = text.IndexOf(':');
            return (text[..i], text[(i + 1)..]);
        }
        return (text, null);
    }

    /// <summary>Strips brackets from "[::1]"; other text is returned as it is.</summary>
    public static string Unbracket(string host) =>
        host.Length > 1 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;

    /// <summary>Parses a literal IP address (with or without brackets); a usage error when it is not one.</summary>
    public static IPAddress ParseAddress(string text, string what = "address")
    {
        if (IPAddress.TryParse(Unbracket(text), out var ip) && LooksLikeAddress(Unbracket(text)))
            return ip;
        throw SockException.Usage(what, text, "not an IPv4 or IPv6 address");
    }

    /// <summary>
    /// True when the text is spelled like an address. IPAddress.TryParse accepts "1" or "0x7f.1" as IPv4;
    /// people mean those as names or mistakes, so only dotted quads and colon forms count.
    /// </summary>
    public static bool LooksLikeAddress(string text)
    {
        if (text.Contains(':')) return IPAddress.TryParse(text, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6;
        var parts = text.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit) && int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) <= 255);
    }

    /// <summary>Parses "ADDR:PORT" with a literal address; a usage error otherwise.</summary>
    public static IPEndPoint ParseIPEndPoint(string text, bool allowZeroPort = false)
    {
        var (host, port) = Split(text);
        if (port is null)
            throw SockException.Usage("address", text, "missing ':PORT' (write 127.0.0.1:8080 or [::1]:8080)");
        return new IPEndPoint(ParseAddress(host), Ports.Parse(port, "port", allowZeroPort));
    }

    /// <summary>The most bytes a Unix socket path may have: sun_path is 108 bytes, one kept for the closing NUL.</summary>
    public const int MaxUnixPathBytes = 107;

    /// <summary>True for a name in Linux's abstract namespace, written "@name" (or with its NUL byte).</summary>
    public static bool IsAbstract(string path) => path.Length > 0 && path[0] is '@' or '\0';

    /// <summary>
    /// A Unix socket address as the user wrote it: a path, or "@name" for the abstract namespace (ss's and socat's
    /// spelling; the kernel sees a leading NUL byte). A path longer than sun_path holds is a usage error.
    /// </summary>
    public static UnixDomainSocketEndPoint UnixEndPoint(string path, string what = "Unix socket path")
    {
        if (path.Length == 0) throw SockException.Usage(what, path, "is empty");
        var kernelPath = path[0] == '@' ? "\0" + path[1..] : path;
        // An abstract name has no closing NUL, so it may use all 108 bytes, its leading NUL included.
        var bytes = System.Text.Encoding.UTF8.GetByteCount(kernelPath);
        var limit = kernelPath[0] == '\0' ? MaxUnixPathBytes + 1 : MaxUnixPathBytes;
        if (bytes > limit)
            throw SockException.Usage(what, path, $"is {bytes} bytes; a Unix socket address holds at most {MaxUnixPathBytes} (sun_path)");
        return new UnixDomainSocketEndPoint(kernelPath);
    }

    /// <summary>127.0.0.1:8080, [::1]:443, or a Unix path; IPv4-mapped IPv6 addresses are shown as IPv4.</summary>
    public static string Format(EndPoint? ep) => ep switch
    {
        null => "-",
        IPEndPoint ip => Format(ip.Address, ip.Port),
        UnixDomainSocketEndPoint u => FormatUnix(u),
        _ => ep.ToString() ?? "-",
    };

    /// <summary>An address and port as people read them.</summary>
    public static string Format(IPAddress address, int port)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";
    }

    private static string FormatUnix(UnixDomainSocketEndPoint u)
    {
        var s = u.ToString();
        if (string.IsNullOrEmpty(s)) return "(unnamed)";
        return s[0] == '\0' ? "@" + s[1..] : s;
    }
}

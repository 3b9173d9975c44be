using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;

namespace Sock.Core.Forwarding;

/// <summary>
/// One end of a forward as people write it, the one spelling sock uses for both sides: <c>8080</c>,
/// <c>127.0.0.1:8080</c>, <c>[::1]:8080</c>, <c>host:8080</c>, and with a scheme <c>tcp:</c>, <c>tcp4:</c>, <c>tcp6:</c>,
/// <c>udp:</c>, <c>udp4:</c>, <c>udp6:</c>, <c>tls:</c> (each followed by <c>[HOST:]PORT</c>), <c>unix:/path</c> and
/// <c>unix:@name</c> (Linux's abstract namespace, as ss and socat write it). A listening endpoint without an address
/// listens on every address (one dual-mode <c>[::]</c> socket; <c>tcp4:</c>/<c>udp4:</c> 0.0.0.0, <c>tcp6:</c>/<c>udp6:</c>
/// [::] only); a target without a host is <c>localhost</c>.
/// </summary>
public sealed record ForwardEndpoint
{
    /// <summary>The transport, and whether TLS runs over it.</summary>
    public required ForwardScheme Scheme { get; init; }

    /// <summary>The host (a name or a literal address, without brackets); null for a Unix socket, or to listen on every address.</summary>
    public string? Host { get; init; }

    /// <summary>The port (TCP, UDP, TLS); 0 for a Unix socket, or to let the system pick one when listening.</summary>
    public int Port { get; init; }

    /// <summary>The Unix socket's path, or <c>@name</c> for an abstract one; null for IP endpoints.</summary>
    public string? Path { get; init; }

    /// <summary>The address family <c>tcp4:</c>/<c>udp4:</c> (InterNetwork) or <c>tcp6:</c>/<c>udp6:</c> (InterNetworkV6) ask for; Unspecified otherwise.</summary>
    public AddressFamily Family { get; init; } = AddressFamily.Unspecified;

    /// <summary>True for UDP: datagrams, a session per client address.</summary>
    public bool IsDatagram => Scheme == ForwardScheme.Udp;

    /// <summary>True for a Unix socket.</summary>
    public bool IsUnix => Scheme == ForwardScheme.Unix;

    /// <summary>
    /// Parses <paramref name="text"/> as a listening endpoint (<paramref name="listening"/>: a bare port listens on every
    /// address, port 0 lets the system pick) or as a target (a host is needed unless it is localhost; port 0 is refused).
    /// Bad spellings are usage errors (<see cref="SockException"/>) naming <paramref name="what"/>.
    /// </summary>
    public static ForwardEndpoint Parse(string text, bool listening, string what = "endpoint")
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) throw SockException.Usage(what, text, "is empty");
        var (scheme, family, rest) = SplitScheme(text, what);
        if (scheme == ForwardScheme.Unix)
        {
            if (rest.Length == 0) throw SockException.Usage(what, text, "needs a socket path after 'unix:' (unix:/run/app.sock or unix:@name)");
            _ = EndpointText.UnixEndPoint(rest, what); // the length check, now
            return new ForwardEndpoint { Scheme = scheme, Path = rest };
        }
        if (rest.Length == 0) throw SockException.Usage(what, text, "needs a port ([HOST:]PORT)");
        string? host;
        string portText;
        if (!rest.Contains(':') && !rest.StartsWith('['))
        {
            host = null;
            portText = rest;
        }
        else
        {
            var (h, p) = EndpointText.Split(rest);
            if (p is null)
                throw SockException.Usage(what, text, EndpointText.Unbracket(rest).Contains(':')
                    ? "an IPv6 address needs brackets to carry a port ([::1]:8080)"
                    : "missing ':PORT' (write 8080, 127.0.0.1:8080 or [::1]:8080)");
            if (h.Length == 0) throw SockException.Usage(what, text, "empty host before ':PORT'");
            host = h;
            portText = p;
        }
        var port = Ports.Parse(portText, "port", allowZero: listening);
        if (host is not null && IPAddress.TryParse(host, out var literal) && EndpointText.LooksLikeAddress(host) && family != AddressFamily.Unspecified
            && literal.AddressFamily != family)
            throw SockException.Usage(what, text, family == AddressFamily.InterNetwork ? "is IPv6, but the scheme asks for IPv4" : "is IPv4, but the scheme asks for IPv6");
        if (listening && host is not null && !EndpointText.LooksLikeAddress(host) && host != "localhost")
            throw SockException.Usage(what, text, "a listening address is an IPv4 or IPv6 address (or localhost), not a name");
        return new ForwardEndpoint { Scheme = scheme, Host = host, Port = port, Family = family };
    }

    /// <summary>
    /// The address to bind when listening: the literal address (localhost is 127.0.0.1), or every address — [::] (dual
    /// mode: see <see cref="ListensDualMode"/>), 0.0.0.0 for the IPv4 schemes. A Unix socket's path.
    /// </summary>
    public EndPoint ListenEndPoint()
    {
        if (Path is not null) return EndpointText.UnixEndPoint(Path);
        if (Host is null)
            return new IPEndPoint(Family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, Port);
        return new IPEndPoint(Host == "localhost" ? IPAddress.Loopback : EndpointText.ParseAddress(Host), Port);
    }

    /// <summary>True when listening takes IPv4 and IPv6 on one [::] socket: no address and no family asked for.</summary>
    public bool ListensDualMode => Path is null && Host is null && Family == AddressFamily.Unspecified;

    /// <summary>The host to connect to as a target: the host given, or localhost.</summary>
    public string TargetHost => Host ?? "localhost";

    /// <summary>The endpoint in its canonical spelling: <c>tcp:127.0.0.1:8080</c>, <c>tls:[::1]:443</c>, <c>unix:/run/app.sock</c>.</summary>
    public override string ToString()
    {
        var prefix = Scheme switch
        {
            ForwardScheme.Tcp => "tcp",
            ForwardScheme.Udp => "udp",
            ForwardScheme.Tls => "tls",
            _ => "unix",
        } + Family switch
        {
            AddressFamily.InterNetwork => "4",
            AddressFamily.InterNetworkV6 => "6",
            _ => "",
        };
        if (Path is not null) return $"{prefix}:{Path}";
        var port = Port.ToString(CultureInfo.InvariantCulture);
        if (Host is null) return $"{prefix}:{port}";
        return Host.Contains(':') ? $"{prefix}:[{Host}]:{port}" : $"{prefix}:{Host}:{port}";
    }

    private static (ForwardScheme, AddressFamily, string) SplitScheme(string text, string what)
    {
        // A bracketed IPv6 address or a bare port has no scheme; "host:port" has a colon but no known scheme before it.
        var colon = text.IndexOf(':');
        if (colon > 0 && text[0] != '[')
        {
            var word = text[..colon].ToLowerInvariant();
            var rest = text[(colon + 1)..];
            switch (word)
            {
                case "tcp": return (ForwardScheme.Tcp, AddressFamily.Unspecified, rest);
                case "tcp4": return (ForwardScheme.Tcp, AddressFamily.InterNetwork, rest);
                case "tcp6": return (ForwardScheme.Tcp, AddressFamily.InterNetworkV6, rest);
                case "udp": return (ForwardScheme.Udp, AddressFamily.Unspecified, rest);
                case "udp4": return (ForwardScheme.Udp, AddressFamily.InterNetwork, rest);
                case "udp6": return (ForwardScheme.Udp, AddressFamily.InterNetworkV6, rest);
                case "tls" or "ssl": return (ForwardScheme.Tls, AddressFamily.Unspecified, rest);
                case "unix": return (ForwardScheme.Unix, AddressFamily.Unspecified, rest);
            }
            // "host:port" with a port after the one colon: no scheme. Anything else before a colon that is not a number
            // followed by more colons is a scheme sock does not know.
            if (text.Count(c => c == ':') > 1 && !IPAddress.TryParse(text, out _))
                throw SockException.Usage(what, text, $"unknown scheme '{word}:' (tcp:, tcp4:, tcp6:, udp:, udp4:, udp6:, tls:, unix:)");
        }
        if (text.StartsWith('/') || text.StartsWith('@'))
            throw SockException.Usage(what, text, $"write a Unix socket as unix:{text}");
        return (ForwardScheme.Tcp, AddressFamily.Unspecified, text);
    }
}

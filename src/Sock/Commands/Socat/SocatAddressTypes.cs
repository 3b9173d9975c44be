namespace Sock.Cli.Commands;

/// <summary>
/// The address types and options `sock socat` supports, in socat's spelling, and the socat types it knows but does
/// not support (named in the usage error rather than called unknown).
/// </summary>
internal static class SocatAddressTypes
{
    // Options any address takes (socat's FD group, as far as sock supports it).
    private static readonly string[] Fd = ["crlf", "ignoreeof"];
    private static readonly string[] Tuning = ["keepalive", "nodelay", "rcvbuf", "sndbuf"];
    private static readonly string[] Retry = ["connect-timeout", "retry", "interval", "forever"];
    private static readonly string[] TlsClient = ["verify", "cert", "key", "cafile", "commonname"];
    private static readonly string[] TlsServer = ["verify", "cert", "key", "cafile"];
    private static readonly string[] ListenIp = ["fork", "reuseaddr", "bind", "range", "max-children"];

    public static readonly IReadOnlyList<SocatAddressType> All =
    [
        new("STDIO", ["STDIO", "-"], 0, 0, SocatKind.Stdio, Fd),
        new("STDIN", ["STDIN"], 0, 0, SocatKind.Stdio, Fd),
        new("STDOUT", ["STDOUT"], 0, 0, SocatKind.Stdio, Fd),
        new("TCP", ["TCP", "TCP4", "TCP6", "TCP-CONNECT", "TCP4-CONNECT", "TCP6-CONNECT"], 2, 2, SocatKind.Connect, [.. Fd, .. Tuning, .. Retry, "bind", "sourceport"]),
        new("TCP-LISTEN", ["TCP-LISTEN", "TCP4-LISTEN", "TCP6-LISTEN", "TCP-L", "TCP4-L", "TCP6-L"], 1, 1, SocatKind.Listen, [.. Fd, .. Tuning, .. ListenIp]),
        new("UDP", ["UDP", "UDP4", "UDP6", "UDP-CONNECT", "UDP4-CONNECT", "UDP6-CONNECT"], 2, 2, SocatKind.Connect, [.. Fd, "rcvbuf", "sndbuf", "bind", "sourceport"]),
        new("UDP-LISTEN", ["UDP-LISTEN", "UDP4-LISTEN", "UDP6-LISTEN", "UDP-L", "UDP4-L", "UDP6-L"], 1, 1, SocatKind.Listen, [.. Fd, "rcvbuf", "sndbuf", .. ListenIp]),
        new("UDP-RECVFROM", ["UDP-RECVFROM", "UDP4-RECVFROM", "UDP6-RECVFROM"], 1, 1, SocatKind.Listen, [.. Fd, "rcvbuf", "sndbuf", .. ListenIp]),
        new("UDP-SENDTO", ["UDP-SENDTO", "UDP4-SENDTO", "UDP6-SENDTO"], 2, 2, SocatKind.Connect, [.. Fd, "rcvbuf", "sndbuf", "bind", "sourceport"]),
        new("UNIX-CONNECT", ["UNIX-CONNECT"], 1, 1, SocatKind.Connect, [.. Fd, "rcvbuf", "sndbuf", .. Retry, "bind"]),
        new("UNIX-LISTEN", ["UNIX-LISTEN", "UNIX-L"], 1, 1, SocatKind.Listen, [.. Fd, "rcvbuf", "sndbuf", "fork", "max-children", "unlink-early", "mode"]),
        new("UNIX-CLIENT", ["UNIX-CLIENT", "UNIX"], 1, 1, SocatKind.Connect, [.. Fd, "rcvbuf", "sndbuf", .. Retry, "bind"]),
        new("ABSTRACT-CONNECT", ["ABSTRACT-CONNECT"], 1, 1, SocatKind.Connect, [.. Fd, "rcvbuf", "sndbuf", .. Retry]),
        new("ABSTRACT-LISTEN", ["ABSTRACT-LISTEN", "ABSTRACT-L"], 1, 1, SocatKind.Listen, [.. Fd, "rcvbuf", "sndbuf", "fork", "max-children"]),
        new("ABSTRACT-CLIENT", ["ABSTRACT-CLIENT", "ABSTRACT"], 1, 1, SocatKind.Connect, [.. Fd, "rcvbuf", "sndbuf", .. Retry]),
        new("OPENSSL", ["OPENSSL", "OPENSSL-CONNECT", "SSL"], 2, 2, SocatKind.Connect, [.. Fd, .. Tuning, .. Retry, .. TlsClient, "bind", "sourceport"]),
        new("OPENSSL-LISTEN", ["OPENSSL-LISTEN", "SSL-L"], 1, 1, SocatKind.Listen, [.. Fd, .. Tuning, .. ListenIp, .. TlsServer]),
        new("EXEC", ["EXEC"], 1, 1, SocatKind.Program, Fd),
        new("SYSTEM", ["SYSTEM"], 1, 1, SocatKind.Program, Fd),
        new("OPEN", ["OPEN", "FILE", "GOPEN"], 1, 1, SocatKind.File, Fd),
        new("CREATE", ["CREATE", "CREAT"], 1, 1, SocatKind.File, [.. Fd, "mode"]),
        new("PIPE", ["PIPE"], 0, 1, SocatKind.Pipe, [.. Fd, "mode"]),
        new("PTY", ["PTY"], 0, 0, SocatKind.Pty, [.. Fd, "link", "raw", "echo"]),
    ];

    /// <summary>socat's address types that sock socat does not support (a usage error names them as such).</summary>
    public static readonly IReadOnlySet<string> Unsupported = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "FD", "STDERR", "INTERFACE", "IP", "IP4", "IP6", "IP-DATAGRAM", "IP4-DATAGRAM", "IP6-DATAGRAM", "IP-RECV", "IP4-RECV",
        "IP6-RECV", "IP-RECVFROM", "IP4-RECVFROM", "IP6-RECVFROM", "IP-SENDTO", "IP4-SENDTO", "IP6-SENDTO", "PROXY",
        "PROXY-CONNECT", "READLINE", "SCTP", "SCTP4", "SCTP6", "SCTP-CONNECT", "SCTP4-CONNECT", "SCTP6-CONNECT", "SCTP-LISTEN",
        "SCTP4-LISTEN", "SCTP6-LISTEN", "SOCKET-CONNECT", "SOCKET-DATAGRAM", "SOCKET-LISTEN", "SOCKET-RECV", "SOCKET-RECVFROM",
        "SOCKET-SENDTO", "SOCKS4", "SOCKS4A", "SOCKS5", "TUN", "UDP-DATAGRAM", "UDP4-DATAGRAM", "UDP6-DATAGRAM", "UDP-RECV",
        "UDP4-RECV", "UDP6-RECV", "UNIX-RECV", "UNIX-RECVFROM", "UNIX-SENDTO", "ABSTRACT-RECV", "ABSTRACT-RECVFROM",
        "ABSTRACT-SENDTO", "OPENSSL-DTLS-CLIENT", "OPENSSL-DTLS-SERVER", "DTLS", "DTLS-L", "VSOCK-CONNECT", "VSOCK-LISTEN",
        "POSIXMQ-READ", "POSIXMQ-RECEIVE", "POSIXMQ-SEND", "POSIXMQ-BIDIRECTIONAL", "SHELL", "DCCP-CONNECT", "DCCP-LISTEN",
        "UDPLITE", "UDPLITE-LISTEN", "ACCEPT-FD", "NAMED", "SOCKETPAIR",
    };

    /// <summary>Every supported option's canonical name, with the names socat also accepts for it.</summary>
    public static readonly IReadOnlyDictionary<string, string> OptionNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["fork"] = "fork",
        ["reuseaddr"] = "reuseaddr", ["so-reuseaddr"] = "reuseaddr",
        ["bind"] = "bind",
        ["sourceport"] = "sourceport", ["sp"] = "sourceport",
        ["range"] = "range",
        ["max-children"] = "max-children",
        ["crlf"] = "crlf",
        ["keepalive"] = "keepalive", ["so-keepalive"] = "keepalive",
        ["nodelay"] = "nodelay", ["tcp-nodelay"] = "nodelay",
        ["rcvbuf"] = "rcvbuf", ["so-rcvbuf"] = "rcvbuf",
        ["sndbuf"] = "sndbuf", ["so-sndbuf"] = "sndbuf",
        ["connect-timeout"] = "connect-timeout",
        ["retry"] = "retry",
        ["interval"] = "interval",
        ["forever"] = "forever",
        ["verify"] = "verify",
        ["cert"] = "cert", ["certificate"] = "cert",
        ["key"] = "key",
        ["cafile"] = "cafile",
        ["commonname"] = "commonname", ["cn"] = "commonname",
        ["unlink-early"] = "unlink-early",
        ["mode"] = "mode", ["perm"] = "mode",
        ["ignoreeof"] = "ignoreeof",
        ["link"] = "link", ["symbolic-link"] = "link",
        ["raw"] = "raw",
        ["echo"] = "echo",
    };

    /// <summary>The type a keyword names (case-insensitive), or null.</summary>
    public static SocatAddressType? Find(string keyword) =>
        All.FirstOrDefault(t => t.Aliases.Any(a => string.Equals(a, keyword, StringComparison.OrdinalIgnoreCase)));

    /// <summary>The supported keywords, for the usage error.</summary>
    public static string SupportedList => string.Join(", ", All.Select(t => t.Name));
}

using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Netcat;
using Sock.Core.Tls;

namespace Sock.Cli.Commands;

/// <summary>What an ncat command line asks for.</summary>
/// <param name="Options">The session, ready for <see cref="NetcatClient"/> or a listener.</param>
/// <param name="Help">-h/--help was given.</param>
/// <param name="Version">--version was given.</param>
/// <param name="ProxyServer">ncat's proxy server mode (-l --proxy-type TYPE [--proxy-auth USER:PASS]): the type and credentials.</param>
internal sealed record NcatInvocation(NetcatOptions Options, bool Help, bool Version, (string Type, string? Auth)? ProxyServer = null);

/// <summary>
/// Reads ncat's command line as ncat (getopt_long) does: short options bundled (-lvnp 8080), values attached or
/// separate (-w5, -w 5, --wait=5, --wait 5), long options, "--" ending options, the default port 31337, and -l with
/// no port, a port, or host and port. Where OpenBSD nc uses a letter differently (-d, -i, -C, -x) ncat's meaning
/// wins. Options sock does not support yet are usage errors naming the option, never silently ignored.
/// </summary>
internal static class NcatCommandLine
{
    /// <summary>ncat's default port.</summary>
    public const int DefaultPort = 31337;

    /// <summary>ncat options sock does not support yet, with the reason given to the user.</summary>
    public static readonly IReadOnlyDictionary<string, string> Unsupported = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--ssl-ciphers"] = "choosing TLS ciphers is not supported yet (the system's TLS policy applies)",
        ["--ssl-crl"] = "certificate revocation lists are not supported yet",
        ["--lua-exec"] = "Lua scripts are not supported",
        ["--lua-exec-internal"] = "Lua scripts are not supported",
        ["--sctp"] = "SCTP is not supported",
        ["--vsock"] = "vsock is not supported",
        ["--telnet"] = "Telnet negotiation is not supported yet",
        ["-t"] = "Telnet negotiation is not supported yet",
        ["-g"] = "loose source routing is not supported",
        ["-G"] = "loose source routing is not supported",
        ["--keep-open-udp"] = "not an option sock knows",
    };

    // Long option -> (short letter or canonical key, takes a value).
    private static readonly Dictionary<string, (string Key, bool Value)> Long = new(StringComparer.Ordinal)
    {
        ["--ipv4"] = ("4", false), ["--ipv6"] = ("6", false),
        ["--unixsock"] = ("U", false), ["--crlf"] = ("C", false),
        ["--sh-exec"] = ("c", true), ["--exec"] = ("e", true),
        ["--max-conns"] = ("m", true), ["--help"] = ("h", false),
        ["--delay"] = ("d", true), ["--output"] = ("o", true), ["--hex-dump"] = ("x", true),
        ["--idle-timeout"] = ("i", true), ["--source-port"] = ("p", true), ["--source"] = ("s", true),
        ["--listen"] = ("l", false), ["--keep-open"] = ("k", false), ["--nodns"] = ("n", false),
        ["--udp"] = ("u", false), ["--verbose"] = ("v", false), ["--wait"] = ("w", true),
        ["--zero"] = ("z", false),
        ["--append-output"] = ("append-output", false), ["--send-only"] = ("send-only", false),
        ["--recv-only"] = ("recv-only", false), ["--no-shutdown"] = ("no-shutdown", false),
        ["--allow"] = ("allow", true), ["--allowfile"] = ("allowfile", true),
        ["--deny"] = ("deny", true), ["--denyfile"] = ("denyfile", true),
        ["--broker"] = ("broker", false), ["--chat"] = ("chat", false), ["--talk"] = ("chat", false),
        ["--version"] = ("version", false),
        ["--ssl"] = ("ssl", false), ["--ssl-verify"] = ("ssl-verify", false),
        ["--ssl-trustfile"] = ("ssl-trustfile", true), ["--ssl-servername"] = ("ssl-servername", true),
        ["--ssl-alpn"] = ("ssl-alpn", true), ["--ssl-cert"] = ("ssl-cert", true), ["--ssl-key"] = ("ssl-key", true),
        ["--proxy"] = ("proxy", true), ["--proxy-type"] = ("proxy-type", true),
        ["--proxy-auth"] = ("proxy-auth", true), ["--proxy-dns"] = ("proxy-dns", true),
        // sock's globals pass through.
        ["--trace"] = ("trace", false), ["--debug"] = ("debug", false),
    };

    private const string ShortFlags = "46UChlknuvzN";
    // X is OpenBSD nc's proxy protocol (ncat has no -X); with it, -x is OpenBSD's proxy address rather than ncat's --hex-dump.
    private const string ShortValues = "cemdoxipswqX";

    /// <summary>Parses <paramref name="args"/> (what follows "nc").</summary>
    public static NcatInvocation Parse(IReadOnlyList<string> args)
    {
        var o = new NetcatOptions();
        var positional = new List<string>();
        bool help = false, version = false, v4 = false, v6 = false, unix = false;
        string? port = null, proxy = null, proxyType = null, proxyAuth = null, proxyDns = null, openBsdProxyType = null, x = null;
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--") { positional.AddRange(args.Skip(i + 1)); break; }
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                var eq = a.IndexOf('=', StringComparison.Ordinal);
                var name = eq >= 0 ? a[..eq] : a;
                if (Unsupported.TryGetValue(name, out var why)) throw Refuse(name, why);
                if (!Long.TryGetValue(name, out var spec))
                    throw SockException.Usage("nc", name, "unrecognized option (see 'sock nc --help')");
                string? value = null;
                if (spec.Value)
                {
                    if (eq >= 0) value = a[(eq + 1)..];
                    else if (i + 1 < args.Count) value = args[++i];
                    else throw SockException.Usage("nc", name, "needs a value");
                }
                else if (eq >= 0) throw SockException.Usage("nc", a, "takes no value");
                Apply(spec.Key, value, name);
                continue;
            }
            if (a.Length > 1 && a[0] == '-')
            {
                for (var j = 1; j < a.Length; j++)
                {
                    var c = a[j];
                    if (Unsupported.TryGetValue("-" + c, out var why)) throw Refuse("-" + c, why);
                    if (ShortValues.Contains(c, StringComparison.Ordinal))
                    {
                        string value;
                        if (j + 1 < a.Length) value = a[(j + 1)..];
                        else if (i + 1 < args.Count) value = args[++i];
                        else throw SockException.Usage("nc", "-" + c, "needs a value");
                        Apply(c.ToString(), value, "-" + c);
                        break;
                    }
                    if (!ShortFlags.Contains(c, StringComparison.Ordinal))
                        throw SockException.Usage("nc", "-" + c, "unrecognized option (see 'sock nc --help')");
                    Apply(c.ToString(), null, "-" + c);
                }
                continue;
            }
            positional.Add(a);
        }
        if (help || version) return new NcatInvocation(o, help, version);
        if (v4 && v6) throw SockException.Usage("nc", "-4 -6", "choose one of -4 and -6");
        o.Family = v4 ? AddressFamily.InterNetwork : v6 ? AddressFamily.InterNetworkV6 : AddressFamily.Unspecified;
        Place(o, positional, unix, port);
        // OpenBSD nc's -X TYPE -x HOST:PORT (ssh's ProxyCommand 'nc -X 5 -x proxy:1080 %h %p'): with -X, -x is the proxy.
        if (openBsdProxyType is not null)
        {
            if (proxyType is not null) throw SockException.Usage("nc", "-X and --proxy-type", "choose one");
            if (proxy is not null && x is not null) throw SockException.Usage("nc", "-x and --proxy", "choose one (with -X, -x is the proxy address)");
            proxyType = openBsdProxyType;
            proxy ??= x ?? throw SockException.Usage("nc", "-X", "needs the proxy address: -x HOST:PORT (or --proxy)");
        }
        else o.HexDumpFile = x;
        // ncat's proxy server mode: -l with --proxy-type is an HTTP proxy (sock proxy's server), not a netcat listener.
        if (o.Listen && proxyType is not null && proxy is null && proxyDns is null)
            return new NcatInvocation(o, false, false, (proxyType, proxyAuth));
        o.Proxy = ReadProxy(o, proxy, proxyType, proxyAuth, proxyDns);
        if (o.Tls is not null && o.Listen)
        {
            o.TlsListen = TlsServerOptions.From(o.Tls, "nc");
            o.Tls = null;
            o.TlsListen.Validate(o, "nc");
        }
        o.Tls?.Validate(o, "nc");
        return new NcatInvocation(o, false, false);

        void Apply(string key, string? value, string spelled)
        {
            switch (key)
            {
                case "4": v4 = true; break;
                case "6": v6 = true; break;
                case "U": unix = true; break;
                case "C": o.Crlf = true; break;
                case "h": help = true; break;
                case "l": o.Listen = true; break;
                case "k": o.KeepOpen = true; break;
                case "n": o.NoDns = true; break;
                case "u": o.Udp = true; break;
                case "v": o.Verbosity++; break;
                case "z": o.ZeroIo = true; break;
                case "N": break; // OpenBSD's "shutdown at EOF" is the default here, as in ncat.
                case "c": o.ShellExec = value; break;
                case "e": o.Exec = value; break;
                case "m":
                    if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var m))
                        throw SockException.Usage(spelled, value!, "not a number of connections (0 or more)");
                    o.MaxConnections = m;
                    break;
                case "d": o.Delay = Durations.Parse(value!, spelled); break;
                case "o": o.OutputFile = value; break;
                case "x": x = value; break;
                case "X": openBsdProxyType = value; break;
                case "proxy": proxy = value; break;
                case "proxy-type": proxyType = value; break;
                case "proxy-auth": proxyAuth = value; break;
                case "proxy-dns": proxyDns = value; break;
                case "i": o.IdleTimeout = Durations.ParsePositive(value!, spelled); break;
                case "p": port = value; break;
                case "s": o.SourceAddress = value; break;
                case "w": o.ConnectTimeout = Durations.ParsePositive(value!, spelled); break;
                case "q": o.QuitAfterEof = Durations.Parse(value!, spelled); break;
                case "append-output": o.AppendOutput = true; break;
                case "send-only": o.SendOnly = true; break;
                case "recv-only": o.ReceiveOnly = true; break;
                case "no-shutdown": o.NoShutdown = true; break;
                case "allow": foreach (var x in SplitList(value!)) o.Allow.Add(x); break;
                case "deny": foreach (var x in SplitList(value!)) o.Deny.Add(x); break;
                case "allowfile": foreach (var x in AccessList.ReadFile(value!)) o.Allow.Add(x); break;
                case "denyfile": foreach (var x in AccessList.ReadFile(value!)) o.Deny.Add(x); break;
                case "broker": o.Broker = true; break;
                case "chat": o.Chat = true; break;
                case "version": version = true; break;
                case "ssl": o.Tls ??= new TlsClientOptions(); break;
                case "ssl-verify": (o.Tls ??= new TlsClientOptions()).Verify = true; break;
                case "ssl-trustfile": (o.Tls ??= new TlsClientOptions()).TrustFile = value; break;
                case "ssl-servername": (o.Tls ??= new TlsClientOptions()).ServerName = value; break;
                case "ssl-alpn": (o.Tls ??= new TlsClientOptions()).Alpn = SplitList(value!).ToList(); break;
                case "ssl-cert": (o.Tls ??= new TlsClientOptions()).CertFile = value; break;
                case "ssl-key": (o.Tls ??= new TlsClientOptions()).KeyFile = value; break;
                default: break; // --trace, --debug: sock's own, handled before
            }
        }
    }

    /// <summary>ncat's proxy options on the client side; its proxy server mode (-l --proxy-type http) is not this.</summary>
    private static Sock.Core.Proxies.ProxyOptions? ReadProxy(NetcatOptions o, string? proxy, string? type, string? auth, string? dns)
    {
        if (o.Listen)
        {
            if (proxy is not null) throw SockException.Usage("nc", "--proxy and -l", "invalid option combination (a listener does not connect through a proxy)");
            if (auth is not null || dns is not null) throw SockException.Usage("nc", auth is not null ? "--proxy-auth" : "--proxy-dns", "needs --proxy");
            return null;
        }
        if (proxy is null)
        {
            if (type is not null || auth is not null || dns is not null)
                throw SockException.Usage("nc", type is not null ? "--proxy-type" : auth is not null ? "--proxy-auth" : "--proxy-dns",
                    "needs --proxy (the proxy to connect through)");
            return null;
        }
        return Sock.Core.Proxies.ProxyOptions.Parse(proxy, type, auth, dns);
    }

    private static IEnumerable<string> SplitList(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static SockException Refuse(string option, string why) =>
        SockException.Usage("nc", option, $"{why} (see the list of unsupported ncat options in the README)");

    private static void Place(NetcatOptions o, List<string> positional, bool unix, string? port)
    {
        if (o.Broker || o.Chat) o.Listen = true; // ncat: --broker and --chat imply -l
        if (o.Listen)
        {
            // -p in listen mode is the port to listen on.
            if (port is not null) o.Port = Ports.Parse(port, "-p", allowZero: true);
            else o.Port = DefaultPort;
            switch (positional.Count)
            {
                case 0:
                    if (unix) throw SockException.Usage("nc", "-U", "needs the socket path as the address");
                    break;
                case 1:
                    if (unix) o.UnixPath = positional[0];
                    // All digits is a port, as ncat reads it, so 65536 is out of range rather than a host.
                    else if (positional[0].Length > 0 && positional[0].All(char.IsAsciiDigit)) o.Port = Ports.Parse(positional[0], "port", allowZero: true);
                    else o.Host = positional[0];
                    break;
                case 2:
                    if (unix) throw SockException.Usage("nc", positional[1], "with -U the socket path is the only address");
                    o.Host = positional[0];
                    o.Port = Ports.Parse(positional[1], "port", allowZero: true);
                    break;
                default:
                    throw SockException.Usage("nc", string.Join(' ', positional), "too many arguments (ncat -l [host] [port])");
            }
            return;
        }
        if (port is not null) o.SourcePort = Ports.Parse(port, "-p");
        switch (positional.Count)
        {
            case 0:
                throw SockException.Usage("nc", "(no host)", "you must specify a host to connect to (or -l to listen)");
            case 1:
                if (unix) o.UnixPath = positional[0];
                else
                {
                    o.Host = positional[0];
                    o.Port = DefaultPort;
                }
                break;
            case 2:
                if (unix) throw SockException.Usage("nc", positional[1], "with -U the socket path is the only address");
                o.Host = positional[0];
                o.Port = Ports.Parse(positional[1]);
                break;
            default:
                throw SockException.Usage("nc", string.Join(' ', positional), "too many arguments (ncat [options] host [port])");
        }
    }
}

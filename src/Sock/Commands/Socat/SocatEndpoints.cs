using System.Globalization;
using System.IO.Pipes;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Forwarding;
using Sock.Core.Socat;
using Sock.Core.Tls;
using Sock.Core.Tracing;

namespace Sock.Cli.Commands;

/// <summary>
/// Maps parsed socat addresses onto the forwarding library: a listening address becomes a <see cref="ForwardEndpoint"/>
/// with <see cref="ForwardOptions"/>, any other address a target (<see cref="IForwardTarget"/>) that opens its leg — a
/// socket (<see cref="SocketTarget"/>), a UDP socket, a program per client, a file, a pipe, a pseudo terminal, stdio.
/// </summary>
internal static class SocatEndpoints
{
    /// <summary>The endpoint a listening address binds.</summary>
    public static ForwardEndpoint ListenEndpoint(SocatAddress a, AddressFamily preferred)
    {
        var t = a.Type;
        if (t.IsUnix || t.IsAbstract)
        {
            var path = a.Parameters[0];
            if (path.Length == 0) throw Bad(a, "the socket path is empty");
            return new ForwardEndpoint { Scheme = ForwardScheme.Unix, Path = t.IsAbstract ? "@" + path : path };
        }
        var port = Port(a.Parameters[0], $"{t.Name} port", t.IsUdp, allowZero: true);
        var family = SocatAddressType.FamilyOf(a.Keyword);
        if (family == AddressFamily.Unspecified) family = preferred;
        var scheme = t.IsUdp ? ForwardScheme.Udp : t.IsTls ? ForwardScheme.Tls : ForwardScheme.Tcp;
        if (a.Option("bind")?.Value is { } bind)
        {
            var address = EndpointText.ParseAddress(EndpointText.Unbracket(bind), "bind=");
            if (family != AddressFamily.Unspecified && address.AddressFamily != family) throw Bad(a, $"bind={bind} is not of {t.Name}'s family");
            return new ForwardEndpoint { Scheme = scheme, Host = address.ToString(), Port = port, Family = address.AddressFamily };
        }
        // socat 1.7 listens on IPv4 (0.0.0.0) unless told otherwise; TCP6-LISTEN on [::], which takes IPv4 too.
        return family == AddressFamily.InterNetworkV6
            ? new ForwardEndpoint { Scheme = scheme, Port = port }
            : new ForwardEndpoint { Scheme = scheme, Host = "0.0.0.0", Port = port, Family = AddressFamily.InterNetwork };
    }

    /// <summary>
    /// What the listening address <paramref name="listen"/> and the other address <paramref name="other"/> (null: a leg
    /// opened before) ask of the forwarder: limits, admission, socket options (socat sets them per address; sock's
    /// forwarder on both legs), connect retries and timeouts, TLS on either side.
    /// </summary>
    public static async Task<ForwardOptions> OptionsAsync(SocatAddress listen, SocatAddress? other, SocketTrace? trace, CancellationToken ct)
    {
        var both = other is null ? [listen] : new[] { listen, other };
        var o = new ForwardOptions
        {
            MaxSessions = listen.Flag("fork") ? Int(listen, "max-children", 1) ?? 0 : 1,
            KeepAlive = both.Any(x => x.Flag("keepalive")),
            ReceiveBufferSize = both.Select(x => Int(x, "rcvbuf", 1)).FirstOrDefault(v => v is not null),
            SendBufferSize = both.Select(x => Int(x, "sndbuf", 1)).FirstOrDefault(v => v is not null),
            Trace = trace,
            // A single client (no fork) is stopped at once when it is done; nothing to drain for others.
            DrainTimeout = listen.Flag("fork") ? ForwardOptions.DefaultDrainTimeout : TimeSpan.FromSeconds(1),
        };
        var ranges = Ranges(listen);
        if (ranges.Count > 0)
        {
            var access = await Sock.Core.Netcat.AccessList.CreateAsync(ranges, [], noDns: true, ct).ConfigureAwait(false);
            o.Admission = remote => remote is not IPEndPoint ip || access.Admits(ip.Address) ? null : "not in range=";
        }
        if (listen.Type.IsTls) o.ServerTls = ServerTls(listen);
        if (other is not null && other.Type.Kind == SocatKind.Connect) ConnectOptions(other, o);
        return o;
    }

    /// <summary>The connect options of <paramref name="a"/> (a connecting address) in <paramref name="o"/>.</summary>
    private static void ConnectOptions(SocatAddress a, ForwardOptions o)
    {
        o.Retry = Int(a, "retry", 0) ?? 0;
        o.Forever = a.Flag("forever");
        if (a.Option("interval")?.Value is { } iv) o.RetryDelay = SocatCommandLine.Seconds(iv, "interval=");
        if (a.Option("connect-timeout")?.Value is { } ct && SocatCommandLine.Seconds(ct, "connect-timeout=") is var t && t > TimeSpan.Zero) o.ConnectTimeout = t;
        var (source, port) = Source(a);
        o.SourceAddress = source;
        o.SourcePort = port;
        if (a.Type.IsTls) o.ClientTls = ClientTls(a);
    }

    private static TlsServerOptions ServerTls(SocatAddress a)
    {
        var tls = new TlsServerOptions
        {
            CertFile = a.Option("cert")?.Value,
            KeyFile = a.Option("key")?.Value,
            // socat's default is verify=1: a client must present a certificate that chains to cafile.
            Verify = a.Option("verify") is not { } v || v.Flag,
            TrustFile = a.Option("cafile")?.Value,
        };
        tls.Validate("socat");
        return tls;
    }

    private static TlsClientOptions ClientTls(SocatAddress a)
    {
        var tls = new TlsClientOptions
        {
            // socat's default is verify=1: the server's certificate must chain to cafile (or the system's roots) and name the host.
            Verify = a.Option("verify") is not { } v || v.Flag,
            TrustFile = a.Option("cafile")?.Value,
            ServerName = a.Option("commonname")?.Value,
            CertFile = a.Option("cert")?.Value,
            KeyFile = a.Option("key")?.Value,
        };
        tls.Validate("socat");
        return tls;
    }

    /// <summary>
    /// A port as socat takes it: a number, or a service name looked up as getservbyname would (TCP:localhost:http,
    /// UDP:127.0.0.1:domain), in the system's database first and then IANA's.
    /// </summary>
    private static int Port(string text, string what, bool udp, bool allowZero = false)
    {
        if (text.Length == 0 || text.All(char.IsAsciiDigit) || !char.IsAsciiLetter(text[0])) return Ports.Parse(text, what, allowZero);
        var protocol = udp ? "udp" : "tcp";
        return Sock.Core.Services.ServiceRegistry.Default.PortOf(text, protocol)
            ?? throw SockException.Usage(what, text, $"not a port number nor a known {protocol} service name (see 'sock services {text}')");
    }

    private static (string? Address, int? Port) Source(SocatAddress a)
    {
        string? source = null;
        var port = Int(a, "sourceport", 1);
        if (a.Option("bind")?.Value is { } bind)
        {
            if (a.Type.IsUnix || a.Type.IsAbstract) return (bind, null);
            var (h, p) = bind.Contains(':', StringComparison.Ordinal) && !bind.StartsWith('[') && bind.Count(c => c == ':') > 1
                ? (bind, null) : EndpointText.Split(bind);
            source = h.Length == 0 ? null : EndpointText.Unbracket(h);
            if (p is not null && Port(p, "bind= port", a.Type.IsUdp, allowZero: true) is var bp && bp != 0) port = bp;
        }
        return (source, port);
    }

    /// <summary>
    /// The target that opens <paramref name="a"/> (any address but a listening one) for each client.
    /// <paramref name="reads"/> and <paramref name="writes"/> say which ways it is used (-u/-U make one false), which
    /// decides how a file is opened, as in socat. <paramref name="options"/> carries a connecting address's options.
    /// </summary>
    public static IForwardTarget Target(SocatAddress a, AddressFamily preferred, bool reads, bool writes, ForwardOptions options,
        Func<SocatAddress, ForwardLeg> stdio)
    {
        var t = a.Type;
        switch (t.Kind)
        {
            case SocatKind.Connect when t.IsUdp:
            {
                var host = EndpointText.Unbracket(a.Parameters[0]);
                if (host.Length == 0) throw Bad(a, "the host is empty");
                var port = Port(a.Parameters[1], $"{t.Name} port", udp: true);
                var family = SocatAddressType.FamilyOf(a.Keyword) is var f && f != AddressFamily.Unspecified ? f : preferred;
                var (source, sourcePort) = Source(a);
                var sendTo = t.Name == "UDP-SENDTO";
                var (rcv, snd) = (Int(a, "rcvbuf", 1), Int(a, "sndbuf", 1));
                return new FactoryTarget($"udp:{host}:{port}", ct => DatagramConnect.OpenAsync(host, port, family, source, sourcePort, sendTo, rcv, snd, options.Trace, ct));
            }
            case SocatKind.Connect:
                return new SocketTarget(StreamEndpoint(a, preferred), options);
            case SocatKind.Program:
                return new ProgramTarget(a.Parameters[0], shell: t.Name == "SYSTEM");
            case SocatKind.Stdio:
                return new FactoryTarget(t.Name.ToLowerInvariant(), _ => ValueTask.FromResult(stdio(a)));
            case SocatKind.Pty:
                if (!OperatingSystem.IsLinux()) throw Bad(a, "pseudo terminals are supported on Linux only");
                var link = a.Option("link")?.Value;
                var raw = a.Flag("raw");
                bool? echo = a.Option("echo") is { } e ? e.Flag : null;
                return new FactoryTarget("pty", _ => OperatingSystem.IsLinux() ? ValueTask.FromResult(PseudoTerminal.Open(link, raw, echo))
                    : throw new PlatformNotSupportedException());
            case SocatKind.Pipe:
                return new FactoryTarget("pipe", _ => ValueTask.FromResult(Pipe(a)));
            default:
                return new FactoryTarget(t.Name.ToLowerInvariant() + ":" + a.Parameters[0], _ => ValueTask.FromResult(File(a, reads, writes)));
        }
    }

    /// <summary>Whether data can be read from <paramref name="a"/> (STDOUT and CREATE are only written).</summary>
    public static bool CanRead(SocatAddress a) => a.Type.Name is not ("STDOUT" or "CREATE");

    /// <summary>Whether data can be written to <paramref name="a"/> (STDIN is only read).</summary>
    public static bool CanWrite(SocatAddress a) => a.Type.Name != "STDIN";

    private static ForwardEndpoint StreamEndpoint(SocatAddress a, AddressFamily preferred)
    {
        var t = a.Type;
        if (t.IsUnix || t.IsAbstract)
        {
            var path = a.Parameters[0];
            if (path.Length == 0) throw Bad(a, "the socket path is empty");
            return new ForwardEndpoint { Scheme = ForwardScheme.Unix, Path = t.IsAbstract ? "@" + path : path };
        }
        var host = EndpointText.Unbracket(a.Parameters[0]);
        if (host.Length == 0) throw Bad(a, "the host is empty");
        var port = Port(a.Parameters[1], $"{t.Name} port", udp: false);
        var family = SocatAddressType.FamilyOf(a.Keyword) is var f && f != AddressFamily.Unspecified ? f : preferred;
        return new ForwardEndpoint { Scheme = t.IsTls ? ForwardScheme.Tls : ForwardScheme.Tcp, Host = host, Port = port, Family = family };
    }

    /// <summary>A UDP address as the datagram forwarder's target.</summary>
    public static ForwardEndpoint DatagramEndpoint(SocatAddress a, AddressFamily preferred)
    {
        var host = EndpointText.Unbracket(a.Parameters[0]);
        var port = Port(a.Parameters[1], $"{a.Type.Name} port", udp: true);
        var family = SocatAddressType.FamilyOf(a.Keyword) is var f && f != AddressFamily.Unspecified ? f : preferred;
        return new ForwardEndpoint { Scheme = ForwardScheme.Udp, Host = host, Port = port, Family = family };
    }

    private static ForwardLeg File(SocatAddress a, bool reads, bool writes)
    {
        var path = a.Parameters[0];
        var ignoreEof = a.Flag("ignoreeof");
        try
        {
            if (a.Type.Name == "CREATE")
            {
                var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.ReadWrite };
                if (!OperatingSystem.IsWindows() && Mode(a) is { } mode) options.UnixCreateMode = mode;
                return new StreamLeg(Stream.Null, new FileStream(path, options), "create:" + path);
            }
            var access = reads && writes ? FileAccess.ReadWrite : writes ? FileAccess.Write : FileAccess.Read;
            var stream = new FileStream(path, FileMode.Open, access, FileShare.ReadWrite, bufferSize: 0);
            Stream read = !stream.CanRead ? Stream.Null : ignoreEof ? new FollowingStream(stream) : stream;
            return new StreamLeg(read, stream.CanWrite ? stream : Stream.Null, "open:" + path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SockException(SockErrorKind.Usage, $"socat {a.Type.Name}", path, FileErrorText.Describe(ex, path, "cannot be opened"));
        }
    }

    private static ForwardLeg Pipe(SocatAddress a)
    {
        if (a.Parameters.Count == 0)
        {
            // An unnamed pipe: what is written to it is read back from it, so the relay echoes.
            var writer = new AnonymousPipeServerStream(PipeDirection.Out);
            var reader = new AnonymousPipeClientStream(PipeDirection.In, writer.ClientSafePipeHandle);
            return new StreamLeg(reader, writer, "pipe");
        }
        var path = a.Parameters[0];
        if (!System.IO.File.Exists(path))
        {
            if (!OperatingSystem.IsLinux()) throw Bad(a, "named pipes are made on Linux only");
            var rc = Sock.Core.Platform.Linux.Fifo.Make(path, (uint)(Mode(a) ?? (UnixFileMode)0b110_110_110));
            if (rc < 0) throw new SockException(SockErrorKind.Usage, "socat PIPE", path, System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(-rc).ToLowerInvariant());
        }
        try
        {
            // Read and write on one descriptor, as socat opens it: the open does not wait for a peer.
            var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
            return new StreamLeg(a.Flag("ignoreeof") ? new FollowingStream(stream) : stream, stream, "pipe:" + path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SockException(SockErrorKind.Usage, "socat PIPE", path, FileErrorText.Describe(ex, path, "cannot be opened"));
        }
    }

    private static int? Int(SocatAddress a, string name, int min)
    {
        if (a.Option(name) is not { } o) return null;
        if (o.Value is null || !int.TryParse(o.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min)
            throw Bad(a, $"{o.Written}= needs a whole number of at least {min}");
        return n;
    }

    /// <summary>range= of a listening address, as CIDR ranges.</summary>
    public static IReadOnlyList<string> Ranges(SocatAddress a) => a.Options.Where(x => x.Name == "range").Select(x => Range(a, x.Value)).ToList();

    /// <summary>mode= as Unix permissions; null when not given.</summary>
    public static UnixFileMode? Mode(SocatAddress a)
    {
        if (a.Option("mode") is not { } o) return null;
        try
        {
            var bits = Convert.ToInt32(o.Value ?? "", 8);
            if (bits is < 0 or > 0xFFF) throw new FormatException();
            return (UnixFileMode)bits;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException)
        {
            throw Bad(a, $"{o.Written}= needs an octal mode (0600, 660)");
        }
    }

    /// <summary>socat's range=: ADDR/BITS, ADDR:MASK, [IPv6]/BITS; as the CIDR the access list reads.</summary>
    private static string Range(SocatAddress a, string? value)
    {
        if (string.IsNullOrEmpty(value)) throw Bad(a, "range= needs an address range (127.0.0.0/8)");
        var v = value.Replace("[", "", StringComparison.Ordinal).Replace("]", "", StringComparison.Ordinal);
        var colon = v.IndexOf(':', StringComparison.Ordinal);
        if (v.Contains('.', StringComparison.Ordinal) && colon > 0 && IPAddress.TryParse(v[(colon + 1)..], out var mask))
        {
            var bits = mask.GetAddressBytes().Sum(b => System.Numerics.BitOperations.PopCount(b));
            v = $"{v[..colon]}/{bits}";
        }
        if (!v.Contains('/', StringComparison.Ordinal)) v += IPAddress.TryParse(v, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? "/128" : "/32";
        if (!IPNetwork.TryParse(v, out _))
        {
            // socat accepts a range whose host bits are set (127.0.0.1/8); the network itself is what it means.
            var slash = v.IndexOf('/', StringComparison.Ordinal);
            if (!IPAddress.TryParse(v[..slash], out var baseAddress) || !int.TryParse(v[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix)
                || prefix > (baseAddress.AddressFamily == AddressFamily.InterNetwork ? 32 : 128))
                throw Bad(a, $"range={value} is not an address range (127.0.0.0/8, [::1]/128)");
            var bytes = baseAddress.GetAddressBytes();
            for (var i = 0; i < bytes.Length * 8; i++)
                if (i >= prefix) bytes[i / 8] &= (byte)~(0x80 >> (i % 8));
            v = $"{new IPAddress(bytes)}/{prefix}";
        }
        return v;
    }

    private static SockException Bad(SocatAddress a, string reason) => SockException.Usage("socat address", $"'{a.Text}'", reason);
}

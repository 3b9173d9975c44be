using System.Globalization;
using System.IO.Pipes;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Socat;
using Sock.Core.Tls;

namespace Sock.Cli.Commands;

/// <summary>
/// Maps a parsed socat address onto the library: the options of a listening address (<see cref="SocatListenOptions"/>),
/// or how to open any other one (a connect, a program, a file, a pipe, a pseudo terminal, stdio).
/// </summary>
internal static class SocatEndpoints
{
    /// <summary>The listening options of <paramref name="a"/> (a listening or receiving type).</summary>
    public static SocatListenOptions Listen(SocatAddress a, AddressFamily preferred)
    {
        var t = a.Type;
        var crlf = a.Flag("crlf");
        if (t.IsUnix || t.IsAbstract)
        {
            var path = a.Parameters[0];
            if (path.Length == 0) throw Bad(a, "the socket path is empty");
            var name = t.IsAbstract ? "@" + path : path;
            return new SocatListenOptions
            {
                Local = EndpointText.UnixEndPoint(name),
                Fork = a.Flag("fork"),
                MaxChildren = Int(a, "max-children", 1) ?? 0,
                Tuning = Tuning(a),
                UnixMode = Mode(a),
                UnlinkEarly = a.Flag("unlink-early"),
                Crlf = crlf,
                Name = t.Name,
            };
        }
        var port = Ports.Parse(a.Parameters[0], $"{t.Name} port", allowZero: true);
        var family = SocatAddressType.FamilyOf(a.Keyword);
        if (family == AddressFamily.Unspecified) family = preferred;
        IPAddress address;
        var dual = false;
        if (a.Option("bind")?.Value is { } bind)
        {
            address = EndpointText.ParseAddress(EndpointText.Unbracket(bind), "bind=");
            if (family != AddressFamily.Unspecified && address.AddressFamily != family) throw Bad(a, $"bind={bind} is not of {t.Name}'s family");
        }
        // socat 1.7's TCP-LISTEN and UDP-LISTEN listen on IPv4 unless told otherwise; TCP6-LISTEN on [::], taking IPv4 too.
        else if (family == AddressFamily.InterNetworkV6) { address = IPAddress.IPv6Any; dual = true; }
        else address = IPAddress.Any;
        TlsServerOptions? tls = null;
        if (t.IsTls)
        {
            tls = new TlsServerOptions
            {
                CertFile = a.Option("cert")?.Value,
                KeyFile = a.Option("key")?.Value,
                // socat's default is verify=1: a client must present a certificate that chains to cafile.
                Verify = a.Option("verify") is not { } v || v.Flag,
                TrustFile = a.Option("cafile")?.Value,
            };
            tls.Validate("socat");
        }
        return new SocatListenOptions
        {
            Local = new IPEndPoint(address, port),
            DualMode = dual,
            Fork = a.Flag("fork"),
            MaxChildren = Int(a, "max-children", 1) ?? 0,
            Range = a.Options.Where(o => o.Name == "range").Select(o => Range(a, o.Value)).ToList(),
            Tuning = Tuning(a),
            Tls = tls,
            ReceiveFrom = t.Name == "UDP-RECVFROM",
            Crlf = crlf,
            Name = t.Name,
        };
    }

    /// <summary>The connect options of a connecting address.</summary>
    public static SocatConnectOptions Connect(SocatAddress a, AddressFamily preferred)
    {
        var t = a.Type;
        var retry = Int(a, "retry", 0) ?? 0;
        var interval = a.Option("interval")?.Value is { } iv ? SocatCommandLine.Seconds(iv, "interval=") : TimeSpan.FromSeconds(1);
        var timeout = a.Option("connect-timeout")?.Value is { } ct ? SocatCommandLine.Seconds(ct, "connect-timeout=") : (TimeSpan?)null;
        if (timeout == TimeSpan.Zero) timeout = null;
        if (t.IsUnix || t.IsAbstract)
        {
            var path = a.Parameters[0];
            if (path.Length == 0) throw Bad(a, "the socket path is empty");
            return new SocatConnectOptions
            {
                UnixPath = t.IsAbstract ? "@" + path : path,
                EitherType = t.Name is "UNIX-CLIENT" or "ABSTRACT-CLIENT",
                SourceAddress = a.Option("bind")?.Value,
                ConnectTimeout = timeout,
                Retry = retry,
                Interval = interval,
                Forever = a.Flag("forever"),
                Tuning = Tuning(a),
                Crlf = a.Flag("crlf"),
                Name = $"{t.Name} {path}",
            };
        }
        var host = EndpointText.Unbracket(a.Parameters[0]);
        if (host.Length == 0) throw Bad(a, "the host is empty");
        var port = Ports.Parse(a.Parameters[1], $"{t.Name} port");
        var family = SocatAddressType.FamilyOf(a.Keyword);
        if (family == AddressFamily.Unspecified) family = preferred;
        string? source = null;
        int? sourcePort = Int(a, "sourceport", 1);
        if (a.Option("bind")?.Value is { } bind)
        {
            var (h, p) = EndpointText.Split(bind);
            source = h.Length == 0 ? null : EndpointText.Unbracket(h);
            if (p is not null) sourcePort = Ports.Parse(p, "bind= port", allowZero: true);
        }
        TlsClientOptions? tls = null;
        if (t.IsTls)
        {
            tls = new TlsClientOptions
            {
                // socat's default is verify=1: the server's certificate must chain to cafile (or the system's roots) and name the host.
                Verify = a.Option("verify") is not { } v || v.Flag,
                TrustFile = a.Option("cafile")?.Value,
                ServerName = a.Option("commonname")?.Value,
                CertFile = a.Option("cert")?.Value,
                KeyFile = a.Option("key")?.Value,
            };
            tls.Validate("socat");
        }
        return new SocatConnectOptions
        {
            Host = host,
            Port = port,
            Datagram = t.IsUdp,
            SendTo = t.Name == "UDP-SENDTO",
            Family = family,
            SourceAddress = source,
            SourcePort = sourcePort is 0 ? null : sourcePort,
            ConnectTimeout = timeout,
            Retry = retry,
            Interval = interval,
            Forever = a.Flag("forever"),
            Tuning = Tuning(a),
            Tls = tls,
            Crlf = a.Flag("crlf"),
            Name = $"{t.Name} {(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{port}",
        };
    }

    /// <summary>
    /// Opens an address that is neither connecting nor listening. <paramref name="reads"/> and <paramref name="writes"/>
    /// say which ways it is used (-u/-U make one of them false), which decides how a file is opened, as in socat.
    /// </summary>
    public static SocatEnd OpenLocal(SocatAddress a, bool reads, bool writes, Func<SocatAddress, SocatEnd> stdio)
    {
        var crlf = a.Flag("crlf");
        var ignoreEof = a.Flag("ignoreeof");
        switch (a.Type.Kind)
        {
            case SocatKind.Stdio:
                return stdio(a);
            case SocatKind.Program:
                return ProgramEnd.Start(a.Parameters[0], shell: a.Type.Name == "SYSTEM", crlf);
            case SocatKind.Pty:
                if (!OperatingSystem.IsLinux()) throw Bad(a, "pseudo terminals are supported on Linux only");
                return PtyEnd.Open(a.Option("link")?.Value, a.Flag("raw"), a.Option("echo") is { } e ? e.Flag : null, crlf);
            case SocatKind.Pipe:
                return Pipe(a, crlf, ignoreEof);
            default:
                return File(a, reads, writes, crlf, ignoreEof);
        }
    }

    private static SocatEnd File(SocatAddress a, bool reads, bool writes, bool crlf, bool ignoreEof)
    {
        var path = a.Parameters[0];
        try
        {
            if (a.Type.Name == "CREATE")
            {
                var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.ReadWrite };
                if (!OperatingSystem.IsWindows() && Mode(a) is { } mode) options.UnixCreateMode = mode;
                var created = new FileStream(path, options);
                return new StreamEnd($"CREATE {path}", null, created) { Crlf = crlf };
            }
            var access = reads && writes ? FileAccess.ReadWrite : writes ? FileAccess.Write : FileAccess.Read;
            var stream = new FileStream(path, FileMode.Open, access, FileShare.ReadWrite, bufferSize: 0);
            return new StreamEnd($"OPEN {path}", stream.CanRead ? stream : null, stream.CanWrite ? stream : null) { Crlf = crlf, IgnoreEof = ignoreEof };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SockException(SockErrorKind.Usage, $"socat {a.Type.Name}", path, FileErrorText.Describe(ex, path, "cannot be opened"));
        }
    }

    private static SocatEnd Pipe(SocatAddress a, bool crlf, bool ignoreEof)
    {
        if (a.Parameters.Count == 0)
        {
            // An unnamed pipe: what is written to it is read back from it, so the relay echoes.
            var writer = new AnonymousPipeServerStream(PipeDirection.Out);
            var reader = new AnonymousPipeClientStream(PipeDirection.In, writer.ClientSafePipeHandle);
            return new StreamEnd("PIPE", reader, writer) { Crlf = crlf, IgnoreEof = ignoreEof };
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
            return new StreamEnd($"PIPE {path}", stream, stream) { Crlf = crlf, IgnoreEof = ignoreEof };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SockException(SockErrorKind.Usage, "socat PIPE", path, FileErrorText.Describe(ex, path, "cannot be opened"));
        }
    }

    private static SocketTuning Tuning(SocatAddress a) => new(
        KeepAlive: a.Flag("keepalive"),
        NoDelay: a.Flag("nodelay"),
        ReceiveBuffer: Int(a, "rcvbuf", 1),
        SendBuffer: Int(a, "sndbuf", 1));

    private static int? Int(SocatAddress a, string name, int min)
    {
        if (a.Option(name) is not { } o) return null;
        if (o.Value is null || !int.TryParse(o.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min)
            throw Bad(a, $"{o.Written}= needs a whole number of at least {min}");
        return n;
    }

    private static UnixFileMode? Mode(SocatAddress a)
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

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Sock.Core.Inspection;
using Sock.Tests.Support;

namespace Sock.Tests.Netcat;

/// <summary>
/// sock against the real ncat, socat and OpenBSD nc, both ways round and both directions of data: a random payload's
/// SHA-256 arrives intact, and the reply a server sends after the client's EOF (half-close) arrives whole.
/// 64 MiB over TCP/IPv4 with each tool; 16 MiB over TCP/IPv6 and Unix to keep the suite fast. A server that keeps what it
/// received in a file proves the client's EOF reached it (it exits at EOF); a server that answers with the payload's
/// hash after EOF proves the half-close (the reply arrives whole after the client shut down its write side).
/// </summary>
public class InteropTests(InteropTests.Payloads payloads) : IClassFixture<InteropTests.Payloads>
{
    /// <summary>The random payloads, written once for the class (they are large) and deleted after its last test.</summary>
    public sealed class Payloads : IDisposable
    {
        private readonly TempDirectory _dir = new("sock-payload-");

        public Payloads()
        {
            Large = new(() => Make(64));
            Medium = new(() => Make(16));
        }

        public Lazy<(string Path, string Sha)> Large { get; }
        public Lazy<(string Path, string Sha)> Medium { get; }

        private (string Path, string Sha) Make(int mib)
        {
            var path = _dir.File($"payload-{mib}m");
            var data = RandomNumberGenerator.GetBytes(mib << 20);
            File.WriteAllBytes(path, data);
            return (path, Convert.ToHexStringLower(SHA256.HashData(data)));
        }

        public void Dispose() => _dir.Dispose();
    }

    public static TheoryData<string, string> Pairs
    {
        get
        {
            var d = new TheoryData<string, string>();
            foreach (var tool in new[] { "ncat", "socat", "nc.openbsd" })
                foreach (var t in new[] { Transports.Tcp4, Transports.Tcp6, Transports.Unix })
                    d.Add(tool, t);
            return d;
        }
    }

    private (string Path, string Sha) Payload(string tool, string transport) =>
        transport == Transports.Tcp4 ? payloads.Large.Value : payloads.Medium.Value;

    /// <summary>sock connect → tool server: upload, EOF, and the server's reply after EOF (or its received file).</summary>
    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task sock_connect_to_tool_listener_uploads_intact_and_honours_half_close(string tool, string transport)
    {
        var (payload, sha) = Payload(tool, transport);
        using var dir = new TempDirectory("sock-interop-");
        var (endpoint, port, path) = Reserve(transport, dir.Path);
        var received = dir.File("received");
        var server = tool switch
        {
            // ncat 7.93's -c drops a reply written after the client's EOF (ncat to ncat too), so ncat keeps the file;
            // half-close with ncat is checked the other way round (ncat client, sock listen -c).
            "ncat" => $"ncat {NcatListen(transport, port, path)} > {received}",
            "socat" => $"socat -t 20 {SocatListen(transport, port, path)} EXEC:sha256sum",
            _ => $"nc.openbsd -l {OpenBsdListen(transport, port, path)} > {received}",
        };
        await using var srv = RunningProcess.Tool("sh", false, "-c", server);
        await Net.WaitListeningAsync(transport, port, path);
        var client = await Sh($"{SockRunner.Shell} connect {SockTarget(transport, endpoint, port, path)} < {payload} | sha256sum");
        Assert.True(client.ExitCode == 0, client.ToString());
        if (tool is "nc.openbsd" or "ncat")
        {
            await srv.WaitForExitAsync();
            Assert.Equal(sha, Hash(received));
        }
        else
        {
            // The server's reply (the hash of what it received) came after sock's EOF.
            Assert.StartsWith(Hex(sha) + "  -", HashOfHashLine(client.Stdout));
        }
    }

    /// <summary>tool client → sock listen: upload, EOF, and sock's reply after EOF.</summary>
    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task tool_client_to_sock_listen_uploads_intact_and_gets_the_reply_after_eof(string tool, string transport)
    {
        var (payload, sha) = Payload(tool, transport);
        using var dir = new TempDirectory("sock-interop-");
        var listen = Net.ListenArgs(transport, dir, out var path);
        await using var sock = RunningProcess.Sock(["listen", "-v", "-c", "sha256sum", .. listen]);
        var m = await sock.WaitForStderrAsync(@"^Listening on (\S+)");
        var target = Net.TargetFrom(transport, m.Groups[1].Value, path);
        var client = tool switch
        {
            "ncat" => $"ncat {NcatTarget(target)} < {payload}",
            "socat" => $"socat -t 20 - {SocatTarget(target)} < {payload}",
            _ => $"nc.openbsd -N {OpenBsdTarget(target)} < {payload}",
        };
        var run = await Sh(client);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"{sha}  -\n", run.Stdout);
        Assert.Equal(0, await sock.WaitForExitAsync());
    }

    /// <summary>The other direction: the server sends the payload, the client prints it.</summary>
    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task downloads_arrive_intact_both_ways_round(string tool, string transport)
    {
        var (payload, sha) = Payload(tool, transport);
        using var dir = new TempDirectory("sock-interop-");

        // tool serves the file, sock connect receives it.
        var (endpoint, port, path) = Reserve(transport, dir.Path);
        var server = tool switch
        {
            "ncat" => $"ncat --send-only {NcatListen(transport, port, path)} < {payload}",
            "socat" => $"socat -t 20 -u OPEN:{payload} {SocatListen(transport, port, path)}",
            _ => $"nc.openbsd -N -l {OpenBsdListen(transport, port, path)} < {payload}",
        };
        await using (var srv = RunningProcess.Tool("sh", false, "-c", server))
        {
            await Net.WaitListeningAsync(transport, port, path);
            var got = await Sh($"{SockRunner.Shell} connect --recv-only {SockTarget(transport, endpoint, port, path)} | sha256sum");
            Assert.True(got.ExitCode == 0, got.ToString());
            Assert.Equal($"{sha}  -\n", got.Stdout);
        }

        // sock listen serves the file, tool receives it.
        // Its own directory: the tool's socket file may still be in the first one, and sock would replace it.
        using var ldir = new TempDirectory("sock-nc-");
        var listen = Net.ListenArgs(transport, ldir, out var lpath);
        await using var sock = RunningProcess.Tool("sh", false, "-c", $"{SockRunner.Shell} listen -v {string.Join(' ', listen)} < {payload}");
        var m = await sock.WaitForStderrAsync(@"^Listening on (\S+)");
        var target = Net.TargetFrom(transport, m.Groups[1].Value, lpath);
        var client = tool switch
        {
            "ncat" => $"ncat --recv-only {NcatTarget(target)}",
            "socat" => $"socat -t 20 -u {SocatTarget(target)} -",
            _ => $"nc.openbsd -d {OpenBsdTarget(target)}",
        };
        var run = await Sh($"{client} | sha256sum");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"{sha}  -\n", run.Stdout);
        Assert.Equal(0, await sock.WaitForExitAsync());
    }

    private static string NcatListen(string t, int port, string? path) => t switch
    {
        Transports.Unix => $"-lU {path}",
        Transports.Tcp6 => $"-6 -l ::1 {port}",
        _ => $"-4 -l 127.0.0.1 {port}",
    };

    private static string SocatListen(string t, int port, string? path) => t switch
    {
        Transports.Unix => $"UNIX-LISTEN:{path}",
        Transports.Tcp6 => $"TCP6-LISTEN:{port},bind=[::1],reuseaddr",
        _ => $"TCP4-LISTEN:{port},bind=127.0.0.1,reuseaddr",
    };

    private static string OpenBsdListen(string t, int port, string? path) => t switch
    {
        Transports.Unix => $"-U {path}",
        Transports.Tcp6 => $"-6 ::1 {port}",
        _ => $"-4 127.0.0.1 {port}",
    };

    private static string SockTarget(string t, string? host, int port, string? path) => t == Transports.Unix ? $"-U {path}" : $"{host} {port}";

    private static string NcatTarget(Target t) => t.Path is not null ? $"-U {t.Path}" : $"{t.Host} {t.Port}";

    private static string SocatTarget(Target t) => t.Path is not null ? $"UNIX-CONNECT:{t.Path}" : t.Transport == Transports.Tcp6 ? $"TCP6:[{t.Host}]:{t.Port}" : $"TCP4:{t.Host}:{t.Port}";

    private static string OpenBsdTarget(Target t) => t.Path is not null ? $"-U {t.Path}" : $"{t.Host} {t.Port}";

    /// <summary>A free loopback port (bound and released) or a socket path in <paramref name="dir"/>.</summary>
    private static (string? Host, int Port, string? Path) Reserve(string transport, string dir)
    {
        if (transport == Transports.Unix) return (null, 0, Path.Combine(dir, "s.sock"));
        var ip = transport == Transports.Tcp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        using var s = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(ip, 0));
        return (ip.ToString(), ((IPEndPoint)s.LocalEndPoint!).Port, null);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> Sh(string script)
    {
        await using var p = RunningProcess.Tool("sh", false, "-c", script);
        p.CloseStdin();
        var code = await p.WaitForExitAsync(60);
        var stdout = await p.Stdout;
        return (code, System.Text.Encoding.ASCII.GetString(stdout.Bytes), string.Join("\n", p.StderrLines));
    }

    private static string Hash(string file)
    {
        using var f = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(f));
    }

    // The client's stdout was piped through sha256sum too, so compare the hash of the expected reply line.
    private static string Hex(string sha) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes($"{sha}  -\n")));

    private static string HashOfHashLine(string stdout) => stdout;
}

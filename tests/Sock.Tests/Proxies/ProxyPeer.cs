using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Proxies;

/// <summary>
/// A real proxy server from Debian run by a test in the foreground on a fresh loopback port: dante (danted), microsocks,
/// tinyproxy or ncat's HTTP proxy, each with a configuration written here, each killed (with its children) on dispose.
/// </summary>
public sealed class ProxyPeer : IAsyncDisposable
{
    /// <summary>The credentials the peers that want them take (dante's are a system account, see <see cref="DanteUser"/>).</summary>
    public const string User = "alice", Password = "s3cret";

    /// <summary>dante checks RFC 1929 credentials against the system's passwords: a no-login system account made for the tests.</summary>
    public const string DanteUser = "sockproxy", DantePassword = "sock-test-pw";

    /// <summary>The peers, by name: what each speaks and whether it wants credentials.</summary>
    public static readonly IReadOnlyList<string> Names =
        ["danted", "danted-auth", "microsocks", "microsocks-auth", "tinyproxy", "tinyproxy-basic", "ncat-http", "ncat-http-auth"];

    private readonly RunningProcess _process;
    private readonly TempDirectory _dir;

    private ProxyPeer(string name, string host, int port, RunningProcess process, TempDirectory dir)
    {
        Name = name;
        Host = host;
        Port = port;
        _process = process;
        _dir = dir;
    }

    public string Name { get; }

    public string Host { get; }

    public int Port { get; }

    /// <summary>socks5 or http.</summary>
    public string Scheme => Name.StartsWith("danted", StringComparison.Ordinal) || Name.StartsWith("microsocks", StringComparison.Ordinal) ? "socks5" : "http";

    public bool WantsCredentials => Name.EndsWith("-auth", StringComparison.Ordinal) || Name.EndsWith("-basic", StringComparison.Ordinal);

    public string? UserName => !WantsCredentials ? null : Name.StartsWith("danted", StringComparison.Ordinal) ? DanteUser : User;

    public string? UserPassword => !WantsCredentials ? null : Name.StartsWith("danted", StringComparison.Ordinal) ? DantePassword : Password;

    /// <summary>"127.0.0.1:1080" or "[::1]:1080".</summary>
    public string Address => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    /// <summary>The proxy as a URL, credentials in it when it wants them.</summary>
    public string Url => $"{Scheme}://{(WantsCredentials ? $"{UserName}:{UserPassword}@" : "")}{Address}";

    /// <summary>What the peer wrote on stderr, for a failing test's message.</summary>
    public string Log => string.Join(" | ", _process.StderrLines.TakeLast(20));

    public IReadOnlyList<string> StderrLines => _process.StderrLines;

    /// <summary>Waits until the peer's stdout holds <paramref name="text"/> (tinyproxy logs each request line there); returns it so far.</summary>
    public Task<string> WaitForStdoutAsync(string text) => _process.WaitForStdoutAsync(text);

    /// <summary>
    /// Starts <paramref name="name"/> on the loopback address of <paramref name="transport"/> (tcp4, tcp6) and waits
    /// until it listens. <paramref name="danteBlockedPort"/>: a destination port dante's rules refuse.
    /// </summary>
    public static async Task<ProxyPeer> StartAsync(string name, string transport, int? danteBlockedPort = null)
    {
        var v6 = transport == Transports.Tcp6;
        var host = v6 ? "::1" : "127.0.0.1";
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort(v6);
            var dir = new TempDirectory("sock-proxy-peer-");
            var process = Start(name, host, port, v6, dir, danteBlockedPort);
            try
            {
                await WaitListeningAsync(process, port, v6);
                return new ProxyPeer(name, host, port, process, dir);
            }
            catch (Exception) when (attempt < 3)
            {
                // The port was taken between finding it free and the peer binding it: another try on another port.
                await process.DisposeAsync();
                dir.Dispose();
            }
        }
    }

    private static RunningProcess Start(string name, string host, int port, bool v6, TempDirectory dir, int? danteBlockedPort)
    {
        var p = port.ToString(CultureInfo.InvariantCulture);
        switch (name)
        {
            case "danted":
            case "danted-auth":
            {
                if (name == "danted-auth") EnsureDanteUser();
                var any = v6 ? "::/0" : "0.0.0.0/0";
                var block = danteBlockedPort is { } b ? "socks block { from: " + any + " to: " + any + " port = " + b + " }\n" : "";
                File.WriteAllText(dir.File("danted.conf"), $$"""
                    logoutput: stderr
                    internal: {{host}} port = {{p}}
                    external: {{host}}
                    clientmethod: none
                    socksmethod: {{(name == "danted-auth" ? "username" : "none")}}
                    user.privileged: root
                    user.unprivileged: nobody
                    client pass { from: {{any}} to: {{any}} }
                    {{block}}socks pass { from: {{any}} to: {{any}} }

                    """);
                return RunningProcess.Tool("danted", false, "-f", dir.File("danted.conf"), "-p", dir.File("danted.pid"));
            }
            case "microsocks":
                return RunningProcess.Tool("microsocks", false, "-i", host, "-p", p);
            case "microsocks-auth":
                return RunningProcess.Tool("microsocks", false, "-i", host, "-p", p, "-u", User, "-P", Password);
            case "tinyproxy":
            case "tinyproxy-basic":
                File.WriteAllText(dir.File("tinyproxy.conf"), $"""
                    Port {p}
                    Listen {host}
                    Timeout 60
                    MaxClients 50
                    Allow 127.0.0.1
                    Allow ::1
                    User nobody
                    Group nogroup
                    PidFile "{dir.File("tinyproxy.pid")}"
                    LogLevel Info
                    {(name == "tinyproxy-basic" ? $"BasicAuth {User} {Password}" : "")}

                    """);
                return RunningProcess.Tool("tinyproxy", false, "-d", "-c", dir.File("tinyproxy.conf"));
            case "ncat-http":
                return RunningProcess.Tool("ncat", false, "-l", host, p, "--proxy-type", "http");
            case "ncat-http-auth":
                return RunningProcess.Tool("ncat", false, "-l", host, p, "--proxy-type", "http", "--proxy-auth", $"{User}:{Password}");
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "no such proxy peer");
        }
    }

    /// <summary>The system account dante checks passwords against: made once, under a lock, as several suites may run at once.</summary>
    private static void EnsureDanteUser()
    {
        using var p = System.Diagnostics.Process.Start("flock", ["/tmp/sock-proxytest-user.lock", "sh", "-c",
            $"id {DanteUser} >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin {DanteUser}; echo {DanteUser}:{DantePassword} | chpasswd"])!;
        p.WaitForExit(30_000);
        Assert.True(p.HasExited && p.ExitCode == 0, $"could not make the system account {DanteUser} dante checks passwords against (needs root)");
    }

    private static int FreePort(bool v6)
    {
        using var s = new Socket(v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    private static async Task WaitListeningAsync(RunningProcess process, int port, bool v6)
    {
        var kind = v6 ? Sock.Core.Inspection.SocketKinds.Tcp6 : Sock.Core.Inspection.SocketKinds.Tcp4;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (process.Process.HasExited)
                throw new InvalidOperationException($"the proxy exited ({process.Process.ExitCode}): {string.Join(" | ", process.StderrLines)}");
            if (new Sock.Core.Inspection.ProcNetReader().Read(kind).Any(r => r.LocalPort == port && r.State == "LISTEN"))
                return;
            await Task.Delay(25);
        }
        throw new TimeoutException($"the proxy did not listen on {port}: {string.Join(" | ", process.StderrLines)}");
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _dir.Dispose();
    }
}

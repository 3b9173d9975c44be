using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Errors;
using Sock.Core.Sockets;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Sockets;

/// <summary>
/// The one bind path: SO_REUSEADDR alone (never SO_REUSEPORT unless asked), dual-mode [::], one backlog, the stale Unix
/// socket file, and "held by PROGRAM (pid N)" on EADDRINUSE.
/// </summary>
public sealed class SocketBinderTests
{
    private const int SolSocket = 1, SoReuseAddr = 2, SoReusePort = 15; // Linux's numbers

    /// <summary>A port free on 127.0.0.1 for UDP and TCP a moment ago.</summary>
    private static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    /// <summary>
    /// What a second server would do to share the port: SO_REUSEADDR and SO_REUSEPORT (as .NET's ReuseAddress sets them on
    /// Linux), then bind. It succeeds only if the socket already there has SO_REUSEPORT too.
    /// </summary>
    private static SocketError SecondBind(SocketType type, int port)
    {
        using var s = new Socket(AddressFamily.InterNetwork, type, type == SocketType.Dgram ? ProtocolType.Udp : ProtocolType.Tcp);
        s.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
        s.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
        try
        {
            s.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return SocketError.Success;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode;
        }
    }

    public static TheoryData<string> UdpServers => new() { "stun --serve", "peer -u", "listen -u", "serve -u" };

    [Theory]
    [MemberData(nameof(UdpServers))]
    public async Task a_second_udp_bind_on_the_port_fails_while_sock_holds_it(string server)
    {
        if (!OperatingSystem.IsLinux()) return; // the socket option numbers are Linux's
        var port = FreePort();
        var p = port.ToString(CultureInfo.InvariantCulture);
        string[] args = server switch
        {
            "stun --serve" => ["stun", "--serve", "-u", $"127.0.0.1:{p}"],
            "peer -u" => ["peer", "-u", "-v", "--bind", $"127.0.0.1:{p}", "--peer", $"127.0.0.1:{FreePort()}", "-w", "30s"],
            "listen -u" => ["listen", "-u", "-v", "127.0.0.1", p],
            _ => ["serve", "daytime", "--udp", "--bind", "127.0.0.1", "--port", p],
        };
        await using var sock = RunningProcess.Sock(args);
        // Bound once its socket shows in the kernel's table (each command words its start differently).
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!Bound(port) && DateTime.UtcNow < deadline && !sock.Process.HasExited) await Task.Delay(50);
        Assert.True(Bound(port), $"{server} did not bind udp {port}: {string.Join(" | ", sock.StderrLines)}");
        Assert.Equal(SocketError.AddressAlreadyInUse, SecondBind(SocketType.Dgram, port));
        Assert.False(sock.Process.HasExited);
    }

    private static bool Bound(int port) =>
        System.Net.NetworkInformation.IPGlobalProperties.GetIPGlobalProperties().GetActiveUdpListeners().Any(e => e.Port == port);

    [Theory]
    [InlineData(SocketType.Stream)]
    [InlineData(SocketType.Dgram)]
    public void a_socket_bound_through_the_binder_does_not_share_its_port(SocketType type)
    {
        if (!OperatingSystem.IsLinux()) return;
        using var bound = SocketBinder.Open(new IPEndPoint(IPAddress.Loopback, 0), type, new ListenSettings(), null);
        var port = ((IPEndPoint)bound.Socket.LocalEndPoint!).Port;
        Assert.Equal(SocketError.AddressAlreadyInUse, SecondBind(type, port));
        // TCP gets SO_REUSEADDR (a restart while old connections sit in TIME_WAIT), UDP nothing (on Linux SO_REUSEADDR alone
        // would let a second UDP socket bind the port); neither gets SO_REUSEPORT.
        Assert.Equal(type == SocketType.Stream ? 1 : 0, BitConverter.ToInt32(Option(bound, SoReuseAddr)));
        Assert.Equal(0, BitConverter.ToInt32(Option(bound, SoReusePort)));
    }

    private static byte[] Option(TracedSocket socket, int name)
    {
        var value = new byte[4];
        socket.Socket.GetRawSocketOption(SolSocket, name, value);
        return value;
    }

    [Fact]
    public void reuseport_is_set_only_when_asked()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var bound = SocketBinder.Open(new IPEndPoint(IPAddress.Loopback, 0), SocketType.Stream, new ListenSettings(ReusePort: true), null);
        Assert.Equal(1, BitConverter.ToInt32(Option(bound, SoReusePort)));
        var port = ((IPEndPoint)bound.Socket.LocalEndPoint!).Port;
        Assert.Equal(SocketError.Success, SecondBind(SocketType.Stream, port));
    }

    [Fact]
    public void a_port_in_use_names_the_process_holding_it()
    {
        using var first = SocketBinder.Open(new IPEndPoint(IPAddress.Loopback, 0), SocketType.Stream, new ListenSettings(), null);
        var port = ((IPEndPoint)first.Socket.LocalEndPoint!).Port;
        var ex = Assert.Throws<SockException>(() => SocketBinder.Open(new IPEndPoint(IPAddress.Loopback, port), SocketType.Stream, new ListenSettings(), null));
        Assert.Equal(SocketError.AddressAlreadyInUse, ex.SocketError);
        if (OperatingSystem.IsLinux())
            Assert.Contains($"held by ", ex.Reason, StringComparison.Ordinal);
        if (OperatingSystem.IsLinux())
            Assert.Contains($"(pid {Environment.ProcessId})", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void the_wildcard_with_no_family_asked_is_dual_mode_ipv6_taking_ipv4_too()
    {
        var any = SocketBinder.Wildcard(AddressFamily.Unspecified, 0, out var dual);
        if (!Socket.OSSupportsIPv6) return;
        Assert.True(dual);
        Assert.Equal(IPAddress.IPv6Any, any.Address);
        using var bound = SocketBinder.Open(any, SocketType.Stream, new ListenSettings(DualMode: dual), null);
        Assert.True(bound.Socket.DualMode);
        var port = ((IPEndPoint)bound.Socket.LocalEndPoint!).Port;
        Assert.Equal(["[::]:" + port, "0.0.0.0:" + port], SocketBinder.Describe(bound));
        using var v4 = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        v4.Connect(new IPEndPoint(IPAddress.Loopback, port)); // an IPv4 client reaches the [::] listener
        Assert.Equal(IPAddress.Any, SocketBinder.Wildcard(AddressFamily.InterNetwork, 0, out var v4Dual).Address);
        Assert.False(v4Dual);
        Assert.Equal(IPAddress.IPv6Any, SocketBinder.Wildcard(AddressFamily.InterNetworkV6, 0, out var v6Dual).Address);
        Assert.False(v6Dual);
    }

    [Fact]
    public void every_server_listens_with_one_backlog() =>
        Assert.Equal(SocketBinder.DefaultBacklog, new Sock.Core.Serving.ServerOptions().Backlog);

    [Fact]
    public void a_stale_unix_socket_file_is_replaced_and_removed_when_sock_made_it()
    {
        using var dir = new TempDirectory("sock-binder-");
        var path = dir.File("s.sock");
        using (var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            s.Bind(new UnixDomainSocketEndPoint(path + ".tmp"));
            File.Move(path + ".tmp", path); // .NET unlinks what it bound on dispose: renamed, the file stays, stale
        }
        Assert.True(File.Exists(path));
        using (var bound = SocketBinder.Open(new UnixDomainSocketEndPoint(path), SocketType.Stream, new ListenSettings(), null))
        {
            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            client.Connect(new UnixDomainSocketEndPoint(path));
        }
        UnixSocketFile.Remove(path);
        Assert.False(File.Exists(path));
    }
}

/// <summary>The clients that bind a fixed source port ask for SO_REUSEADDR alone, seen from outside with strace.</summary>
public sealed class SourcePortReuseTests
{
    [Fact]
    public async Task stun_over_tcp_from_a_fixed_port_sets_reuseaddr_but_not_reuseport()
    {
        if (!OperatingSystem.IsLinux()) return;
        var serverPort = FreeTcpPort();
        await using var server = RunningProcess.Sock("stun", "--serve", "-t", $"127.0.0.1:{serverPort}");
        await server.WaitForStderrAsync("serving stun");
        using var dir = new TempDirectory("sock-strace-");
        var log = dir.File("strace.log");
        var sock = SockRunner.Command(["stun", "-t", "-p", FreeTcpPort().ToString(CultureInfo.InvariantCulture), $"127.0.0.1:{serverPort}"]);
        var run = await ProcessRunner.RunAsync(["strace", "-f", "-qq", "-e", "trace=setsockopt", "-o", log, .. sock], timeout: TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, run.ToString());
        var calls = File.ReadAllLines(log);
        Assert.Contains(calls, l => l.Contains("SO_REUSEADDR", StringComparison.Ordinal));
        Assert.DoesNotContain(calls, l => l.Contains("SO_REUSEPORT", StringComparison.Ordinal));
    }

    private static int FreeTcpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }
}

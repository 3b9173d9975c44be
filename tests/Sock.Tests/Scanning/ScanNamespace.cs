using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

using Sock.Tests.Support;

namespace Sock.Tests.Scanning;

/// <summary>
/// A network namespace the test creates and deletes: its own loopback, and a veth pair whose two ends get addresses of
/// a random /30 in 10.231.0.0/16 (host side .1, namespace side .2). Scans aimed at it never leave the machine.
/// Needs root (CAP_NET_ADMIN); <see cref="TryCreateAsync"/> says why when it cannot.
/// </summary>
public sealed class ScanNamespace : IAsyncDisposable
{
    private readonly List<Socket> _listeners = [];
    private readonly CancellationTokenSource _stop = new();

    private ScanNamespace(string name, IPAddress hostSide, IPAddress inside)
    {
        Name = name;
        HostSide = hostSide;
        Inside = inside;
    }

    /// <summary>The namespace's name (ip netns).</summary>
    public string Name { get; }

    /// <summary>The host end of the veth pair.</summary>
    public IPAddress HostSide { get; }

    /// <summary>The namespace end of the veth pair: the address to scan from the host.</summary>
    public IPAddress Inside { get; }

    /// <summary>Creates the namespace, or returns the reason it cannot be created.</summary>
    public static async Task<(ScanNamespace? Namespace, string? Reason)> TryCreateAsync()
    {
        if (!OperatingSystem.IsLinux()) return (null, "network namespaces are Linux only");
        if (Environment.UserName != "root" && geteuid() != 0) return (null, "not root: ip netns needs CAP_NET_ADMIN");
        if (!Support.ExternalTool.Exists("ip") || !Support.ExternalTool.Exists("nft")) return (null, "ip or nft is not installed");
        var id = Random.Shared.Next(0, 16384);
        var tag = $"i6{id:x4}";
        var name = $"sock-scan-{tag}";
        var host = new IPAddress([10, 231, (byte)(id / 64), (byte)(id % 64 * 4 + 1)]);
        var inside = new IPAddress([10, 231, (byte)(id / 64), (byte)(id % 64 * 4 + 2)]);
        var ns = new ScanNamespace(name, host, inside);
        try
        {
            await Must("ip", "netns", "add", name);
            await Must("ip", "link", "add", $"{tag}h", "type", "veth", "peer", "name", $"{tag}n");
            await Must("ip", "link", "set", $"{tag}n", "netns", name);
            await Must("ip", "addr", "add", $"{host}/30", "dev", $"{tag}h");
            await Must("ip", "link", "set", $"{tag}h", "up");
            await Must("ip", "-n", name, "addr", "add", $"{inside}/30", "dev", $"{tag}n");
            await Must("ip", "-n", name, "link", "set", $"{tag}n", "up");
            await Must("ip", "-n", name, "link", "set", "lo", "up");
            // ICMP errors are rate-limited per destination (6 at once, then one a second): off here, so an ICMP
            // reject always arrives and both scanners see the same thing.
            await Must("ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0");
            return (ns, null);
        }
        catch (Exception ex)
        {
            await ns.DisposeAsync();
            return (null, $"could not create a network namespace: {ex.Message}");
        }
    }

    /// <summary>Loads an nftables ruleset inside the namespace.</summary>
    public Task ApplyNftAsync(string ruleset) => RunAsync(["ip", "netns", "exec", Name, "nft", "-f", "-"], ruleset)
        .ContinueWith(t =>
        {
            if (t.Result.ExitCode != 0) throw new InvalidOperationException($"nft failed: {t.Result.Stderr}");
        }, TaskScheduler.Default);

    /// <summary>
    /// Opens a listening TCP socket inside the namespace on <paramref name="endpoint"/> (port 0 picks one) and
    /// accepts and closes whatever connects; returns the port.
    /// </summary>
    public int Listen(IPEndPoint endpoint) => Open(endpoint, SocketType.Stream);

    /// <summary>Opens a UDP socket inside the namespace that sends every datagram back; returns the port.</summary>
    public int EchoUdp(IPEndPoint endpoint) => Open(endpoint, SocketType.Dgram);

    private int Open(IPEndPoint endpoint, SocketType type)
    {
        Socket? socket = null;
        Exception? error = null;
        // setns changes the calling thread's namespace only: a thread of its own makes the socket, which stays in
        // the namespace wherever it is used later.
        var thread = new Thread(() =>
        {
            try
            {
                using var nsFile = File.OpenHandle($"/var/run/netns/{Name}");
                if (setns(nsFile.DangerousGetHandle().ToInt32(), 0x40000000) != 0)
                    throw new InvalidOperationException($"setns failed: errno {Marshal.GetLastWin32Error()}");
                socket = new Socket(endpoint.AddressFamily, type, type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp);
                socket.Bind(endpoint);
                if (type == SocketType.Stream) socket.Listen(512);
            }
            catch (Exception ex)
            {
                error = ex;
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null) throw error;
        _listeners.Add(socket!);
        _ = type == SocketType.Stream ? AcceptLoopAsync(socket!) : UdpResponder.EchoAsync(socket!, _stop.Token);
        return ((IPEndPoint)socket!.LocalEndPoint!).Port;
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
                (await listener.AcceptAsync(_stop.Token)).Dispose();
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    /// <summary>The arguments that run <paramref name="command"/> inside the namespace.</summary>
    public string[] Exec(params string[] command) => ["ip", "netns", "exec", Name, .. command];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var l in _listeners) l.Dispose();
        // Deleting the namespace destroys its veth end, and with it the host end.
        await RunAsync(["ip", "netns", "del", Name]);
        _stop.Dispose();
    }

    private static async Task Must(params string[] args)
    {
        var r = await RunAsync(args);
        if (r.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', args)}: {r.Stderr.Trim()}");
    }

    /// <summary>Runs a command to completion (killed after <paramref name="timeout"/>, default 60 s).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)> RunAsync(IReadOnlyList<string> args,
        string? stdin = null, TimeSpan? timeout = null)
    {
        var r = await ProcessRunner.RunAsync(args, stdin, timeout);
        return (r.ExitCode, r.Stdout, r.Stderr, r.Elapsed);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setns(int fd, int nstype);

    [DllImport("libc")]
    private static extern uint geteuid();
}

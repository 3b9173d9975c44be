using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Stun;
using Sock.Core.Sockets;
using Sock.Tests.Support;

namespace Sock.Tests.Stun;

/// <summary>
/// Debian's coturn (turnserver) as a STUN-only server, started by the test with a generated config on a free port of
/// the given addresses (and, with <paramref name="alternate"/> addresses, RFC 5780's second address), never the system
/// service; optionally inside a network namespace. Disposing kills it and removes its files.
/// </summary>
internal sealed class Coturn : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDirectory _dir;

    private Coturn(Process process, TempDirectory dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
    }

    /// <summary>The port coturn listens on (UDP and TCP).</summary>
    public int Port { get; }

    /// <summary>coturn's log so far, for failure messages.</summary>
    public string Log => File.Exists(Path.Combine(_dir.Path, "turn.log")) ? File.ReadAllText(Path.Combine(_dir.Path, "turn.log")) : "";

    public static bool Installed => ExternalTool.Exists("turnserver");

    /// <summary>
    /// Starts coturn on <paramref name="addresses"/> at a free port (<paramref name="port"/> when given) and waits until
    /// it answers a Binding on the first address (from inside <paramref name="netns"/> when given).
    /// </summary>
    public static async Task<Coturn> StartAsync(IReadOnlyList<IPAddress> addresses, IReadOnlyList<IPAddress>? alternate = null, string? netns = null, int port = 0)
    {
        if (port != 0) return await StartOnAsync(addresses, alternate, netns, port);
        // coturn also binds PORT+1 (its alternate port), which the free-port pick does not check and another test may
        // hold (seen in a fresh-clone run: errno 98 on PORT+1, and coturn never answered): a few picks, then give up.
        for (var attempt = 1; ; attempt++)
        {
            try { return await StartOnAsync(addresses, alternate, netns, FreePort(addresses[0])); }
            catch (InvalidOperationException) when (attempt < 5) { }
        }
    }

    private static async Task<Coturn> StartOnAsync(IReadOnlyList<IPAddress> addresses, IReadOnlyList<IPAddress>? alternate, string? netns, int port)
    {
        var dir = new TempDirectory("sock-coturn-");
        var config = new List<string>
        {
            $"listening-port={port}",
            $"alt-listening-port={port + 1}",
            "stun-only", "no-cli", "no-tls", "no-dtls", "no-stdout-log", "simple-log",
            $"log-file={Path.Combine(dir.Path, "turn.log")}",
            $"pidfile={Path.Combine(dir.Path, "turn.pid")}",
            // coturn's user database is not needed for STUN; keep it out of /var/lib/turn.
            $"userdb={Path.Combine(dir.Path, "turndb")}",
        };
        config.AddRange(addresses.Select(a => $"listening-ip={a}"));
        if (alternate is not null) config.AddRange(alternate.Select(a => $"listening-ip={a}"));
        var file = Path.Combine(dir.Path, "turnserver.conf");
        await File.WriteAllLinesAsync(file, config);
        string[] command = [.. netns is null ? [] : new[] { "ip", "netns", "exec", netns }, "turnserver", "-c", file];
        var process = ProcessRunner.Start(command);
        var coturn = new Coturn(process, dir, port);
        try
        {
            await coturn.WaitAnsweringAsync(new IPEndPoint(addresses[0], port), netns);
            return coturn;
        }
        catch
        {
            await coturn.DisposeAsync();
            throw;
        }
    }

    private async Task WaitAnsweringAsync(IPEndPoint endpoint, string? netns)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (_process.HasExited) throw new InvalidOperationException($"turnserver exited ({_process.ExitCode}): {await _process.StandardError.ReadToEndAsync()} {Log}");
            // A port of its pair taken meanwhile (another suite's connection can hold it as its local port): coturn
            // retries that bind for ever and never answers, so the caller picks another pair at once.
            if (Log.Contains("Cannot bind", StringComparison.Ordinal))
                throw new InvalidOperationException($"turnserver could not bind its ports: {Log}");
            if (netns is not null)
            {
                // Probing from inside the namespace is the sock binary's job; wait for the port to be bound instead.
                var r = await ProcessRunner.RunAsync(["ip", "netns", "exec", netns, "ss", "-Hlun", $"sport = :{endpoint.Port}"]);
                if (r.Stdout.Contains(endpoint.Address.ToString(), StringComparison.Ordinal)) return;
            }
            else
            {
                using var socket = TracedSocket.Create(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp, null);
                socket.Bind(new IPEndPoint(endpoint.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0));
                var answer = await StunClient.TransactUdpAsync(socket, endpoint, StunMessage.BindingRequest(), new StunRetransmission(TimeSpan.FromMilliseconds(100), rc: 2, rm: 2), null, CancellationToken.None);
                if (answer is not null) return;
            }
            await Task.Delay(100);
        }
        throw new InvalidOperationException($"turnserver did not answer on {endpoint} within 20 s: {Log}");
    }

    internal static int FreePort(IPAddress address)
    {
        // A port free for UDP and TCP, and its successor for coturn's alternate port. Taken below the ephemeral range:
        // a suite that has just made tens of thousands of connections leaves them in TIME_WAIT on ephemeral ports, and
        // a port the system hands out for UDP was then nearly always held for TCP ("no free port pair").
        var below = EphemeralRangeStart();
        for (var i = 0; i < 200; i++)
        {
            var port = Random.Shared.Next(20000, below - 1);
            try
            {
                using var udp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(address.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback, port));
                using var tcp = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
                tcp.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
                using var udp2 = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { DualMode = true };
                udp2.Bind(new IPEndPoint(IPAddress.IPv6Any, port + 1));
                using var tcp2 = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
                tcp2.Bind(new IPEndPoint(IPAddress.IPv6Any, port + 1));
                return port;
            }
            catch (SocketException) { }
        }
        throw new InvalidOperationException("no free port pair");
    }

    private static int EphemeralRangeStart()
    {
        try
        {
            var first = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0];
            return Math.Max(20002, int.Parse(first, System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
        {
            return 32768;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException) { }
        _process.Dispose();
        _dir.Dispose();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"coturn on port {Port}");
}

using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Socat;

/// <summary>
/// socat's UDP listeners with fork towards addresses that are not UDP, each run under real socat and under `sock socat`
/// with the same words: `UDP-LISTEN:P,fork TCP:…` / `UNIX-CONNECT:…` / `SYSTEM:…` give every client address its own
/// connection or program (socat's child), its datagrams in order on that stream and the stream's bytes back to that
/// address only; `UDP-RECVFROM:P,fork SYSTEM:…` runs the program once per datagram, the datagram its whole input.
/// </summary>
public sealed class SocatUdpForkTests
{
    public static TheoryData<string, string> ListenCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var transport in new[] { Transports.Udp4, Transports.Udp6 })
            foreach (var target in new[] { "tcp", "unix", "system" })
                data.Add(transport, target);
        return data;
    }

    [Theory]
    [MemberData(nameof(ListenCases))]
    public async Task udp_listen_with_fork_gives_each_client_address_its_own_stream_target(string transport, string targetKind)
    {
        var results = new Dictionary<string, string>();
        foreach (var tool in SocatPeers.Tools)
        {
            using var dir = new TempDirectory("sock-socat-udpfork-");
            await using var target = targetKind == "system" ? null : GreetingTarget.Start(targetKind == "unix" ? Transports.Unix : transport == Transports.Udp6 ? Transports.Tcp6 : Transports.Tcp4, dir);
            var second = targetKind switch
            {
                "system" => "SYSTEM:echo hello; cat",
                "unix" => $"UNIX-CONNECT:{target!.Path}",
                _ => transport == Transports.Udp6 ? $"TCP6:[::1]:{target!.Port}" : $"TCP4:127.0.0.1:{target!.Port}",
            };
            var p = SocatPeers.FreePort(transport);
            var v6 = transport == Transports.Udp6;
            await using var forwarder = SocatPeers.Start(tool, $"UDP{(v6 ? "6" : "4")}-LISTEN:{p},bind={(v6 ? "[::1]" : "127.0.0.1")},fork", second);
            await SocatPeers.WaitReadyAsync(transport, p, null);
            using var a = new DatagramClient(transport, p);
            using var b = new DatagramClient(transport, p);
            var greeting = targetKind == "system" ? (Func<int, string>)(_ => "hello\n") : n => $"conn {n}\n";
            // One client at a time, so the target numbers the connections in the clients' order.
            await a.SendAndWaitAsync("a1\n", greeting(1) + "a1\n", forwarder);
            await b.SendAndWaitAsync("b1\n", greeting(2) + "b1\n", forwarder);
            await a.SendAndWaitAsync("a2\n", greeting(1) + "a1\na2\n", forwarder);
            await b.SendAndWaitAsync("b2\n", greeting(2) + "b1\nb2\n", forwarder);
            var seen = target is null ? "" : " target: " + await target.WaitForAsync(["a1\na2\n", "b1\nb2\n"]);
            results[tool] = $"a: {a.Received} b: {b.Received}{seen}".Replace("\n", "\\n", StringComparison.Ordinal);
            Assert.False(forwarder.Process.HasExited, $"{tool} stopped: {string.Join(" | ", forwarder.StderrLines)}");
        }
        Assert.Equal(results["socat"], results["sock"]);
    }

    [Theory]
    [MemberData(nameof(Transports.Datagram), MemberType = typeof(Transports))]
    public async Task udp_recvfrom_with_fork_runs_the_program_once_per_datagram(string transport)
    {
        var results = new Dictionary<string, string>();
        foreach (var tool in SocatPeers.Tools)
        {
            var p = SocatPeers.FreePort(transport);
            var v6 = transport == Transports.Udp6;
            await using var forwarder = SocatPeers.Start(tool, $"UDP{(v6 ? "6" : "4")}-RECVFROM:{p},bind={(v6 ? "[::1]" : "127.0.0.1")},fork", "SYSTEM:wc -c");
            await SocatPeers.WaitReadyAsync(transport, p, null);
            using var a = new DatagramClient(transport, p);
            // Each datagram is counted alone: the program's input is that datagram and its end.
            await a.SendAndWaitAsync("hello\n", "6\n", forwarder);
            await a.SendAndWaitAsync(new string('x', 1000), "6\n1000\n", forwarder);
            results[tool] = a.Received;
        }
        Assert.Equal("6\n1000\n", results["socat"]);
        Assert.Equal(results["socat"], results["sock"]);
    }

    /// <summary>A UDP client on a port of its own, gathering every datagram that comes back.</summary>
    private sealed class DatagramClient : IDisposable
    {
        private readonly UdpClient _client;
        private readonly StringBuilder _received = new();

        public DatagramClient(string transport, int port)
        {
            var v6 = transport == Transports.Udp6;
            _client = new UdpClient(v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
            _client.Connect(v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, port);
        }

        public string Received => _received.ToString();

        /// <summary>Sends <paramref name="text"/> and reads (at most 20 s) until everything received reads <paramref name="expected"/>.</summary>
        public async Task SendAndWaitAsync(string text, string expected, RunningProcess forwarder)
        {
            await _client.SendAsync(Encoding.ASCII.GetBytes(text));
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                while (_received.Length < expected.Length)
                    _received.Append(Encoding.ASCII.GetString((await _client.ReceiveAsync(limit.Token)).Buffer));
            }
            catch (OperationCanceledException)
            {
            }
            Assert.True(Received == expected,
                $"after '{text.Trim()}' got '{Received}', not '{expected}'; forwarder: {string.Join(" | ", forwarder.StderrLines)}");
        }

        public void Dispose() => _client.Dispose();
    }

    /// <summary>
    /// A stream target in the test (TCP or Unix): it greets each connection with its number (`conn N`, from 1) and echoes
    /// what it reads, and keeps what each connection sent.
    /// </summary>
    private sealed class GreetingTarget : IAsyncDisposable
    {
        private readonly Socket _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly List<StringBuilder> _connections = [];
        private readonly Task _accepting;

        private GreetingTarget(Socket listener)
        {
            _listener = listener;
            _accepting = AcceptAsync();
        }

        public int Port => (_listener.LocalEndPoint as IPEndPoint)?.Port ?? 0;

        public string? Path { get; private init; }

        public static GreetingTarget Start(string transport, TempDirectory dir)
        {
            EndPoint at = transport switch
            {
                Transports.Unix => new UnixDomainSocketEndPoint(dir.File("target.sock")),
                Transports.Tcp6 => new IPEndPoint(IPAddress.IPv6Loopback, 0),
                _ => new IPEndPoint(IPAddress.Loopback, 0),
            };
            var s = new Socket(at.AddressFamily, SocketType.Stream, transport == Transports.Unix ? ProtocolType.Unspecified : ProtocolType.Tcp);
            s.Bind(at);
            s.Listen(16);
            return new GreetingTarget(s) { Path = transport == Transports.Unix ? dir.File("target.sock") : null };
        }

        /// <summary>What the connections sent, in order, once they have sent <paramref name="expected"/> (or after 20 s).</summary>
        public async Task<string> WaitForAsync(string[] expected)
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (true)
            {
                string[] now;
                lock (_connections) now = [.. _connections.Select(c => { lock (c) return c.ToString(); })];
                if (now.SequenceEqual(expected) || DateTime.UtcNow > deadline) return string.Join("|", now);
                await Task.Delay(20);
            }
        }

        private async Task AcceptAsync()
        {
            while (true)
            {
                Socket c;
                try { c = await _listener.AcceptAsync(_stop.Token); }
                catch (Exception) { return; }
                var sent = new StringBuilder();
                int n;
                lock (_connections)
                {
                    _connections.Add(sent);
                    n = _connections.Count;
                }
                _ = ServeAsync(c, n, sent);
            }
        }

        private async Task ServeAsync(Socket c, int number, StringBuilder sent)
        {
            using (c)
            {
                try
                {
                    await c.SendAsync(Encoding.ASCII.GetBytes($"conn {number}\n"), SocketFlags.None, _stop.Token);
                    var buffer = new byte[4096];
                    int n;
                    while ((n = await c.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
                    {
                        lock (sent) sent.Append(Encoding.ASCII.GetString(buffer, 0, n));
                        await c.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
                    }
                }
                catch (Exception) { /* the forwarder went away, or the test ended */ }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Dispose();
            await _accepting;
            _stop.Dispose();
        }
    }
}

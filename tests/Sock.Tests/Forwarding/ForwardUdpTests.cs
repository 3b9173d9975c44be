using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Tests.Support;

namespace Sock.Tests.Forwarding;

/// <summary>
/// UDP through `sock forward udp:… udp:…`: a session (its own socket towards the target) per client address, so 50
/// clients at once each get only their own replies and the target sees 50 peers; a session ends after --udp-idle; a
/// client address over -m is refused and counted.
/// </summary>
public sealed class ForwardUdpTests
{
    [Theory]
    [MemberData(nameof(Transports.Datagram), MemberType = typeof(Transports))]
    public async Task fifty_clients_at_once_each_get_only_their_own_replies(string transport)
    {
        using var dir = new TempDirectory("sock-fwd-udp-");
        using var target = new UdpEcho(transport);
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir), "udp:" + TargetText(target.EndPoint));
        var clients = Enumerable.Range(0, 50).Select(_ => new Socket(forward.Bound.AddressFamily, SocketType.Dgram, ProtocolType.Udp)).ToList();
        try
        {
            foreach (var c in clients) c.Bind(new IPEndPoint(((IPEndPoint)forward.Bound).Address, 0));
            var results = await Task.WhenAll(clients.Select((c, i) => ExchangeAsync(c, forward.Bound, $"client {i}")));
            Assert.All(results, r => Assert.True(r.Own && !r.Foreign, r.Text));
            // One session per client address: the target heard 50 different peers, none of them a client itself.
            Assert.Equal(50, target.Peers.Count);
            Assert.DoesNotContain(clients.Select(c => c.LocalEndPoint!), p => target.Peers.ContainsKey(p));
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Transports.Datagram), MemberType = typeof(Transports))]
    public async Task a_session_ends_after_the_udp_idle_time_and_a_new_one_starts(string transport)
    {
        using var dir = new TempDirectory("sock-fwd-udp-");
        using var target = new UdpEcho(transport);
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir), "udp:" + TargetText(target.EndPoint),
            "--udp-idle", "300ms", "-v");
        using var c = new Socket(forward.Bound.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        c.Bind(new IPEndPoint(((IPEndPoint)forward.Bound).Address, 0));
        Assert.True((await ExchangeAsync(c, forward.Bound, "one")).Own);
        await forward.Process.WaitForStderrAsync(@"^#1 closed .*: idle timeout \(300ms\)$", 20);
        // The same client again: a new session, a new socket towards the target.
        Assert.True((await ExchangeAsync(c, forward.Bound, "two")).Own);
        await forward.Process.WaitForStderrAsync(@"^#2 opened ", 20);
        Assert.Equal(2, target.Peers.Count);
    }

    [Theory]
    [MemberData(nameof(Transports.Datagram), MemberType = typeof(Transports))]
    public async Task a_client_address_over_the_session_limit_is_refused_and_counted(string transport)
    {
        using var dir = new TempDirectory("sock-fwd-udp-");
        using var target = new UdpEcho(transport);
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir), "udp:" + TargetText(target.EndPoint),
            "-m", "1", "-v");
        using var first = new Socket(forward.Bound.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        using var second = new Socket(forward.Bound.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        first.Bind(new IPEndPoint(((IPEndPoint)forward.Bound).Address, 0));
        second.Bind(new IPEndPoint(((IPEndPoint)forward.Bound).Address, 0));
        Assert.True((await ExchangeAsync(first, forward.Bound, "first")).Own);
        var r = await ExchangeAsync(second, forward.Bound, "second", attempts: 2);
        Assert.False(r.Own, "the second client got a reply over the limit");
        await forward.Process.WaitForStderrAsync(@"dropped a datagram from .*: session limit \(1\) reached", 20);
        Assert.Equal(0, await forward.TerminateAsync());
        Assert.Contains(forward.Process.StderrLines, l => l.Contains("forward: stopped", StringComparison.Ordinal) && l.Contains("2 refused", StringComparison.Ordinal));
    }

    private static string TargetText(EndPoint ep) => ep is IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } ip ? $"[{ip.Address}]:{ip.Port}" : ep.ToString()!;

    private sealed record Exchange(bool Own, bool Foreign, string Text);

    /// <summary>Sends <paramref name="message"/> (again, up to <paramref name="attempts"/> times, until a reply comes) and reads what comes back for a while.</summary>
    private static async Task<Exchange> ExchangeAsync(Socket c, EndPoint to, string message, int attempts = 5)
    {
        var buffer = new byte[2048];
        var own = false;
        var foreign = false;
        var seen = new StringBuilder();
        for (var i = 0; i < attempts && !own; i++)
        {
            await c.SendToAsync(Encoding.ASCII.GetBytes(message), to);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                while (!own)
                {
                    var n = await c.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                    var text = Encoding.ASCII.GetString(buffer, 0, n);
                    seen.Append(text).Append('|');
                    if (text == message) own = true;
                    else foreign = true;
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
        return new Exchange(own, foreign, $"{message}: {seen}");
    }

    /// <summary>A UDP echo in the test, remembering every peer it heard.</summary>
    private sealed class UdpEcho : IDisposable
    {
        private readonly Socket _socket;
        private readonly CancellationTokenSource _stop = new();

        public UdpEcho(string transport)
        {
            var ep = Transports.BindEndPoint(transport);
            _socket = new Socket(ep.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            _socket.Bind(ep);
            EndPoint = _socket.LocalEndPoint!;
            _ = Task.Run(LoopAsync);
        }

        public EndPoint EndPoint { get; }

        public ConcurrentDictionary<EndPoint, int> Peers { get; } = new();

        private async Task LoopAsync()
        {
            var buffer = new byte[65536];
            EndPoint any = EndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
                    Peers.AddOrUpdate(r.RemoteEndPoint, 1, (_, n) => n + 1);
                    await _socket.SendToAsync(buffer.AsMemory(0, r.ReceivedBytes), SocketFlags.None, r.RemoteEndPoint);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _socket.Dispose();
            _stop.Dispose();
        }
    }
}

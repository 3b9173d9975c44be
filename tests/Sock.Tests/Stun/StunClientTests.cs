using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Serving;
using Sock.Core.Stun;
using Sock.Core.Sockets;
using Sock.Tests.Support;

namespace Sock.Tests.Stun;

public class StunClientTests
{
    private static IPAddress Loopback(string transport) => transport == Transports.Udp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;

    [Theory]
    [MemberData(nameof(Transports.Datagram), MemberType = typeof(Transports))]
    public async Task udp_binding_retransmits_until_answered_and_skips_strangers(string transport)
    {
        var ip = Loopback(transport);
        using var server = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        server.Bind(new IPEndPoint(ip, 0));
        var serverEndPoint = (IPEndPoint)server.LocalEndPoint!;
        var dropped = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var serving = Task.Run(async () =>
        {
            var buffer = new byte[2048];
            while (true)
            {
                var r = await server.ReceiveFromAsync(buffer, new IPEndPoint(ip.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0), stop.Token);
                // Drop the first two tries, as a lossy path would; before answering, send noise and a stranger's response.
                if (++dropped <= 2) continue;
                await server.SendToAsync("not stun at all"u8.ToArray(), r.RemoteEndPoint, stop.Token);
                var stranger = new StunMessage(StunMessageType.BindingMethod, StunClass.SuccessResponse, StunMessage.NewTransactionId())
                { XorMappedAddress = new IPEndPoint(IPAddress.Parse("192.0.2.99"), 9) };
                await server.SendToAsync(stranger.Encode(), r.RemoteEndPoint, stop.Token);
                await server.SendToAsync(StunServer.Answer(buffer.AsSpan(0, r.ReceivedBytes), (IPEndPoint)r.RemoteEndPoint, serverEndPoint)!, r.RemoteEndPoint, stop.Token);
                return;
            }
        });
        using var client = TracedSocket.Create(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp, null);
        client.Bind(new IPEndPoint(ip, 0));
        var binding = await StunClient.BindUdpAsync(client, serverEndPoint, new StunRetransmission(TimeSpan.FromMilliseconds(50)), null, stop.Token);
        await serving;
        Assert.Equal(3, binding.Attempts);
        Assert.Equal(client.Socket.LocalEndPoint, binding.Mapped);
        Assert.Equal(serverEndPoint, binding.ResponseOrigin);
        Assert.True(binding.Fingerprint);
        Assert.False(binding.BehindNat);
    }

    [Fact]
    public async Task udp_binding_gives_up_when_the_schedule_runs_out()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var received = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var counting = Task.Run(async () =>
        {
            var buffer = new byte[2048];
            try { while (true) { await silent.ReceiveAsync(buffer, stop.Token); Interlocked.Increment(ref received); } }
            catch (OperationCanceledException) { }
        });
        using var client = TracedSocket.Create(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp, null);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var schedule = new StunRetransmission(TimeSpan.FromMilliseconds(20), rc: 4, rm: 3);
        var clock = Stopwatch.StartNew();
        var answer = await StunClient.TransactUdpAsync(client, (IPEndPoint)silent.LocalEndPoint!, StunMessage.BindingRequest(), schedule, null, stop.Token);
        clock.Stop();
        Assert.Null(answer);
        // 0, 20, 60, 140 ms, then 3 × 20 ms: never before 200 ms.
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(195), $"gave up after {clock.Elapsed}");
        await Task.Delay(100);
        await stop.CancelAsync();
        await counting;
        Assert.Equal(4, received);
    }

    [Theory]
    [InlineData("tcp4")]
    [InlineData("tcp6")]
    [InlineData("udp4")]
    [InlineData("udp6")]
    public async Task bindings_against_the_engines_server_report_the_clients_own_address(string transport)
    {
        var ip = transport.EndsWith('6') ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        await using var server = new SocketServer();
        var udp = transport.StartsWith("udp", StringComparison.Ordinal);
        var bound = udp ? StunServer.ListenUdp(server, new IPEndPoint(ip, 0)) : StunServer.ListenTcp(server, new IPEndPoint(ip, 0));
        server.Start();
        using var client = TracedSocket.Create(ip.AddressFamily, udp ? SocketType.Dgram : SocketType.Stream, udp ? ProtocolType.Udp : ProtocolType.Tcp, null);
        client.Bind(new IPEndPoint(ip, 0));
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        StunBinding binding;
        if (udp) binding = await StunClient.BindUdpAsync(client, bound, new StunRetransmission(), null, limit.Token);
        else
        {
            await client.ConnectAsync(bound, null, limit.Token);
            binding = await StunClient.BindTcpAsync(client, null, limit.Token);
            // A second request on the same connection is answered too.
            var again = await StunClient.BindTcpAsync(client, null, limit.Token);
            Assert.Equal(binding.Mapped, again.Mapped);
        }
        Assert.Equal(client.Socket.LocalEndPoint, binding.Mapped);
        Assert.Equal("sock", binding.Software);
        Assert.Equal(bound, binding.ResponseOrigin);
    }

    [Theory]
    [InlineData("tcp4")]
    [InlineData("tcp6")]
    [InlineData("udp4")]
    [InlineData("udp6")]
    public async Task bind_async_opens_and_binds_its_own_socket_from_the_source_port_asked_for(string transport)
    {
        var ip = transport.EndsWith('6') ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        var udp = transport.StartsWith("udp", StringComparison.Ordinal);
        await using var server = new SocketServer();
        var bound = udp ? StunServer.ListenUdp(server, new IPEndPoint(ip, 0)) : StunServer.ListenTcp(server, new IPEndPoint(ip, 0));
        server.Start();
        // A port that was free a moment ago, to send from: the mapping the server reports is of that very port.
        int sourcePort;
        using (var probe = new Socket(ip.AddressFamily, udp ? SocketType.Dgram : SocketType.Stream, udp ? ProtocolType.Udp : ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(ip, 0));
            sourcePort = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var binding = await StunClient.BindAsync(ip.ToString(), bound.Port,
            new StunClientOptions { Tcp = !udp, SourceAddress = ip, SourcePort = sourcePort, Limit = TimeSpan.FromSeconds(10) }, limit.Token);
        Assert.Equal(udp ? "udp" : "tcp", binding.Transport);
        Assert.Equal(new IPEndPoint(ip, sourcePort), binding.Local);
        Assert.Equal(binding.Local, binding.Mapped);
        Assert.False(binding.BehindNat);
        Assert.Equal(new IPEndPoint(ip, bound.Port), binding.Server);
    }

    [Fact]
    public async Task bind_async_to_a_silent_server_is_a_timeout_naming_it()
    {
        // A UDP socket that never answers: the client gives up at its limit, and says so.
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)silent.LocalEndPoint!).Port;
        var ex = await Assert.ThrowsAsync<Sock.Core.Errors.SockException>(() => StunClient.BindAsync("127.0.0.1", port,
            new StunClientOptions { Limit = TimeSpan.FromMilliseconds(700), Retransmission = new StunRetransmission(TimeSpan.FromMilliseconds(100)) }));
        Assert.Equal(SocketError.TimedOut, ex.SocketError);
        Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
    }
}

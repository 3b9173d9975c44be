using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Tests.Support;

namespace Sock.Tests.Proxies;

/// <summary>
/// SOCKS5 UDP ASSOCIATE (RFC 1928 §7) with a small UDP client written here: the control connection asks for the
/// association, datagrams with the SOCKS header go to the relay's address, reach a UDP echo server, and come back with
/// the header of their source; the association ends with the control connection.
/// </summary>
public sealed class ProxyUdpAssociateTests
{
    public static TheoryData<string> Ip => new() { Transports.Tcp4, Transports.Tcp6 };

    [Theory]
    [MemberData(nameof(Ip))]
    public async Task datagrams_go_through_the_relay_and_come_back_with_their_source(string transport)
    {
        await using var h = await ProxyHarness.StartAsync(transport);
        var loopback = transport == Transports.Tcp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        using var echo = new Socket(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        echo.Bind(new IPEndPoint(loopback, 0));
        var echoEnd = (IPEndPoint)echo.LocalEndPoint!;
        using var stopEcho = new CancellationTokenSource();
        var echoing = Task.Run(async () =>
        {
            var buffer = new byte[2048];
            while (!stopEcho.IsCancellationRequested)
            {
                var r = await echo.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(loopback, 0), stopEcho.Token);
                await echo.SendToAsync(buffer.AsMemory(0, r.ReceivedBytes), SocketFlags.None, r.RemoteEndPoint);
            }
        });

        using var udp = new Socket(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(loopback, 0));
        var control = await Socks5Bytes.ConnectAsync(h.ProxyEndPoint);
        var stream = new NetworkStream(control, ownsSocket: true);
        Assert.Equal(0, await Socks5Bytes.GreetAsync(stream));
        // The client says where its datagrams will come from (RFC 1928: DST.ADDR/DST.PORT of the request).
        var (code, relay) = await Socks5Bytes.RequestAsync(stream, 3, loopback.ToString(), ((IPEndPoint)udp.LocalEndPoint!).Port);
        Assert.Equal(0, code);
        Assert.NotNull(relay);
        Assert.Equal(loopback, relay!.Address);

        var destinations = transport == Transports.Tcp4 ? new[] { "127.0.0.1", "localhost" } : ["::1"];
        foreach (var (destination, i) in destinations.Select((d, i) => (d, i)))
        {
            var payload = Encoding.ASCII.GetBytes($"datagram {i} to {destination}");
            byte[] datagram = [0, 0, 0, .. Socks5Bytes.Address(destination, echoEnd.Port), .. payload];
            var reply = new byte[2048];
            int n = 0;
            // UDP may drop: a few tries, each bounded.
            for (var attempt = 0; attempt < 5 && n == 0; attempt++)
            {
                await udp.SendToAsync(datagram, SocketFlags.None, relay);
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try { n = (await udp.ReceiveFromAsync(reply, SocketFlags.None, new IPEndPoint(loopback, 0), wait.Token)).ReceivedBytes; }
                catch (OperationCanceledException) { }
            }
            Assert.True(n > 0, $"no answer through the relay for {destination}");
            byte[] header = [0, 0, 0, .. Socks5Bytes.Address(echoEnd.Address.ToString(), echoEnd.Port)];
            Assert.Equal(Convert.ToHexString([.. header, .. payload]), Convert.ToHexString(reply.AsSpan(0, n)));
        }
        // A fragment (FRAG 1) is dropped, as RFC 1928 lets a relay that does not reassemble do.
        await udp.SendToAsync((byte[])[0, 0, 1, .. Socks5Bytes.Address(loopback.ToString(), echoEnd.Port), 1, 2, 3], SocketFlags.None, relay);
        using (var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(500)))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await udp.ReceiveFromAsync(new byte[64], SocketFlags.None, new IPEndPoint(loopback, 0), quiet.Token));

        // The association lasts as long as the control connection.
        await stream.DisposeAsync();
        var s = Assert.Single(await h.EndedAsync());
        Assert.Equal(("socks5", "udp-associate", false), (s.Protocol, s.Command, s.Refused));
        Assert.Equal(destinations.Sum(d => Encoding.ASCII.GetByteCount($"datagram 0 to {d}")), s.BytesUp);
        Assert.Equal(s.BytesUp, s.BytesDown);
        stopEcho.Cancel();
        await Task.WhenAny(echoing, Task.Delay(1000));
    }

    [Fact]
    public async Task a_datagram_from_another_port_than_the_one_declared_is_dropped()
    {
        await using var h = await ProxyHarness.StartAsync(Transports.Tcp4);
        using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        stranger.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var control = await Socks5Bytes.ConnectAsync(h.ProxyEndPoint);
        await using var stream = new NetworkStream(control);
        await Socks5Bytes.GreetAsync(stream);
        // Declared port 9 (discard): datagrams from any other port of this address are someone else's.
        var (code, relay) = await Socks5Bytes.RequestAsync(stream, 3, "127.0.0.1", 9);
        Assert.Equal(0, code);
        await stranger.SendToAsync((byte[])[0, 0, 0, .. Socks5Bytes.Address("127.0.0.1", ((IPEndPoint)stranger.LocalEndPoint!).Port), 42], SocketFlags.None, relay!);
        using var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await stranger.ReceiveFromAsync(new byte[64], SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), quiet.Token));
        Assert.DoesNotContain(h.Proxy.Sessions, s => s.BytesUp > 0);
    }

    [Fact]
    public async Task udp_associate_over_a_unix_control_connection_gets_reply_7()
    {
        await using var h = await ProxyHarness.StartAsync(Transports.Unix);
        using var control = await Socks5Bytes.ConnectAsync(h.ProxyEndPoint);
        await using var stream = new NetworkStream(control);
        await Socks5Bytes.GreetAsync(stream);
        Assert.Equal(7, (await Socks5Bytes.RequestAsync(stream, 3, "0.0.0.0", 0)).Code);
    }
}

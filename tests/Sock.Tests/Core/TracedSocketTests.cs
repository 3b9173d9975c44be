using System.Net;
using System.Net.Sockets;
using Sock.Core.Errors;
using Sock.Core.Tracing;
using Sock.Core.Sockets;
using Sock.Tests.Support;

namespace Sock.Tests.Core;

public class TracedSocketTests
{
    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_stream_exchange_is_traced_as_bsd_calls_in_order(string transport)
    {
        var sink = new CollectingTraceSink();
        var trace = new SocketTrace(sink);
        var bindTo = Transports.BindEndPoint(transport);
        using var listener = TracedSocket.CreateFor(bindTo, SocketType.Stream, trace);
        listener.Bind(bindTo);
        listener.Listen(16);
        var address = listener.LocalEndPoint!;
        using var client = TracedSocket.CreateFor(address, SocketType.Stream, trace);
        var connect = client.ConnectAsync(address, TimeSpan.FromSeconds(5));
        using var served = await listener.AcceptAsync();
        await connect;
        await client.SendAsync("hello"u8.ToArray());
        var buffer = new byte[16];
        Assert.Equal(5, await served.ReceiveAsync(buffer));
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, await served.ReceiveAsync(buffer));

        var calls = sink.Calls;
        var family = transport switch { Transports.Tcp4 => "AF_INET", Transports.Tcp6 => "AF_INET6", _ => "AF_UNIX" };
        Assert.StartsWith($"socket({family}, SOCK_STREAM, ", calls[0]);
        Assert.Matches(@"^bind\(\d+, ", calls[1]);
        Assert.Matches(@"^listen\(\d+, 16\)$", calls.Single(c => c.StartsWith("listen", StringComparison.Ordinal)));
        Assert.Contains(calls, c => System.Text.RegularExpressions.Regex.IsMatch(c, @"^accept\(\d+\) = \d+ from "));
        Assert.Contains(calls, c => System.Text.RegularExpressions.Regex.IsMatch(c, @"^send\(\d+, 5\) = 5$"));
        Assert.Contains(calls, c => System.Text.RegularExpressions.Regex.IsMatch(c, @"^recv\(\d+\) = 5 bytes$"));
        Assert.Contains(calls, c => System.Text.RegularExpressions.Regex.IsMatch(c, @"^shutdown\(\d+, SHUT_WR\)$"));
        Assert.True(sink.Times.SequenceEqual(sink.Times.Order()), "timestamps only go forward");
    }

    [Theory]
    [MemberData(nameof(Transports.Datagram), MemberType = typeof(Transports))]
    public async Task a_datagram_exchange_is_traced_with_addresses(string transport)
    {
        var sink = new CollectingTraceSink();
        var trace = new SocketTrace(sink);
        var bindTo = (IPEndPoint)Transports.BindEndPoint(transport);
        using var server = TracedSocket.CreateFor(bindTo, SocketType.Dgram, trace);
        server.Bind(bindTo);
        var address = server.LocalEndPoint!;
        using var client = TracedSocket.CreateFor(bindTo, SocketType.Dgram, trace);
        client.Bind(bindTo);
        await client.SendToAsync("ping"u8.ToArray(), address);
        var got = await server.ReceiveFromAsync(new byte[16], new IPEndPoint(bindTo.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0));
        Assert.Equal(4, got.ReceivedBytes);
        Assert.Contains(sink.Calls, c => c.StartsWith("sendto(", StringComparison.Ordinal) && c.EndsWith(" = 4", StringComparison.Ordinal));
        Assert.Contains(sink.Calls, c => c.StartsWith("recvfrom(", StringComparison.Ordinal) && c.Contains("4 bytes from ", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task connecting_where_nothing_listens_is_a_network_error_naming_the_endpoint(string transport)
    {
        var sink = new CollectingTraceSink();
        var trace = new SocketTrace(sink);
        var bindTo = Transports.BindEndPoint(transport);
        EndPoint dead;
        using (var probe = new Socket(bindTo.AddressFamily, SocketType.Stream, transport == Transports.Unix ? ProtocolType.Unspecified : ProtocolType.Tcp))
        {
            probe.Bind(bindTo);
            dead = probe.LocalEndPoint!;
        }
        using var s = TracedSocket.CreateFor(dead, SocketType.Stream, trace);
        var ex = await Assert.ThrowsAsync<SockException>(async () => await s.ConnectAsync(dead, TimeSpan.FromSeconds(5)));
        Assert.Equal(SockErrorKind.Network, ex.Kind);
        Assert.Equal("connect to", ex.Operation);
        if (transport == Transports.Unix)
        {
            // .NET removes the socket file it bound when the socket closes, so nothing is there at all.
            Assert.Contains("no such socket file", ex.Reason);
            Assert.EndsWith("= -1 ENOENT", sink.Calls[^1]);
        }
        else
        {
            Assert.Equal(SocketError.ConnectionRefused, ex.SocketError);
            Assert.EndsWith("= -1 ECONNREFUSED", sink.Calls[^1]);
        }
    }

    [Fact]
    public void binding_a_port_in_use_names_the_address()
    {
        using var first = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        first.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        first.Listen();
        using var second = TracedSocket.Create(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp, null);
        var ex = Assert.Throws<SockException>(() => second.Bind(first.LocalEndPoint!));
        Assert.Equal(SocketError.AddressAlreadyInUse, ex.SocketError);
        Assert.Equal(((IPEndPoint)first.LocalEndPoint!).Port.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Target!.Split(':')[^1]);
    }
}

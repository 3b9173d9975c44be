using System.Net;
using System.Net.Sockets;
using Sock.Core.Errors;
using Sock.Core.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Netcat;

/// <summary>Several addresses for one name: tried in turn (raced when no source port is fixed); the last failure is reported.</summary>
public class ConnectorTests
{
    private sealed class Log : INetcatObserver
    {
        public List<NetcatEvent> Events { get; } = [];
        public void On(NetcatEvent e) { lock (Events) Events.Add(e); }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task a_refusing_address_gives_way_to_one_that_listens(bool fixedSourcePort)
    {
        var (server, target) = Net.TestListener(Transports.Tcp4);
        using var _ = server;
        var options = new NetcatOptions { Port = target.Port };
        if (fixedSourcePort)
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            options.SourcePort = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        var log = new Log();
        // ::1 and 127.0.0.2 refuse this port (only 127.0.0.1 listens); 127.0.0.1 comes last.
        List<IPAddress> candidates = fixedSourcePort ? [IPAddress.Parse("127.0.0.2"), IPAddress.Loopback] : [IPAddress.IPv6Loopback, IPAddress.Parse("127.0.0.2"), IPAddress.Loopback];
        using var socket = await Connector.ConnectToAnyAsync(candidates, options, null, null, log, CancellationToken.None);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, target.Port), socket.Socket.RemoteEndPoint);
        Assert.Contains(log.Events, e => e is ConnectAttemptFailed f && f.Target.StartsWith("127.0.0.2:", StringComparison.Ordinal) && f.Reason.Contains("refused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task when_every_address_fails_the_last_failure_is_thrown()
    {
        var (server, target) = Net.TestListener(Transports.Tcp4);
        server.Dispose();
        var ex = await Assert.ThrowsAsync<SockException>(() => Connector.ConnectToAnyAsync(
            [IPAddress.IPv6Loopback, IPAddress.Loopback], new NetcatOptions { Port = target.Port }, null, null, new Log(), CancellationToken.None));
        Assert.Equal(SocketError.ConnectionRefused, ex.SocketError);
    }

    [Fact]
    public void addresses_are_interleaved_by_family()
    {
        var a = new[] { "::1", "::2", "127.0.0.1", "127.0.0.2" }.Select(IPAddress.Parse).ToList();
        Assert.Equal(["::1", "127.0.0.1", "::2", "127.0.0.2"], Connector.Interleave(a).Select(x => x.ToString()));
    }
}

using System.Net.Sockets;
using System.Net;
using Sock.Core.Serving;
using Sock.Core.Inetd;
using Sock.Tests.Support;

namespace Sock.Tests.Serving;

/// <summary>
/// What only Unix datagram serving has: replies go to a path the client bound, a client without one is not answered,
/// a client that does not read cannot hold the others up, and the socket file goes when the server stops. (Each
/// service's datagram behaviour over Unix datagram is in <see cref="SmallServiceTests"/>.)
/// </summary>
public class UnixDatagramTests
{
    private sealed class Rejections : IServerObserver
    {
        private readonly List<string> _reasons = [];

        public IReadOnlyList<string> Reasons { get { lock (_reasons) return [.. _reasons]; } }

        void IServerObserver.Rejected(string service, EndPoint? remote, string reason)
        {
            lock (_reasons) _reasons.Add(reason);
        }
    }

    [Fact]
    public async Task a_sender_without_a_path_of_its_own_gets_no_reply_and_the_server_counts_no_error()
    {
        await using var host = ServingHost.Datagram(Transports.UnixDatagram, SmallServices.Create("echo").Datagram);
        using var unbound = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        await unbound.SendToAsync(new byte[7], host.EndPoint);
        await SmallServiceTests.WaitUntil(() => host.Server.TotalBytesIn == 7);
        // The next sender, with a path, is answered: the receive loop went on.
        Assert.Equal("after"u8.ToArray(), await host.AskAsync("after"u8.ToArray()));
        Assert.Equal(5, host.Server.TotalBytesOut);
        Assert.Equal(0, host.Server.TotalErrors);
        Assert.Equal(0, host.Server.TotalRejected);
    }

    [Fact]
    public async Task a_client_that_never_reads_has_its_replies_dropped_and_others_are_still_answered()
    {
        var rejections = new Rejections();
        await using var host = ServingHost.Datagram(Transports.UnixDatagram, SmallServices.Create("echo").Datagram, observer: rejections);
        // A bound client that sends with sendto and never reads. (Not connect()ed: a connected peer is exempt from the
        // queue limit, and one that never reads fills the server's send buffer — see DatagramReceiveLoop.SendToUnixPeer.)
        using var hog = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        hog.Bind(new UnixDomainSocketEndPoint(Path.Combine(Path.GetDirectoryName(host.EndPoint.ToString())!, "hog.sock")));
        // Far more than a Unix datagram queue holds (net.unix.max_dgram_qlen datagrams, within its receive buffer).
        for (var i = 0; i < 2000; i++) await hog.SendToAsync(new byte[1000], host.EndPoint);
        await SmallServiceTests.WaitUntil(() => host.Server.TotalBytesIn == 2000 * 1000, 10_000);
        Assert.Equal("served"u8.ToArray(), await host.AskAsync("served"u8.ToArray()));
        Assert.Contains("reply dropped: no room (its receive queue, or this socket's send buffer, is full)", rejections.Reasons);
        Assert.Equal(0, host.Server.TotalErrors);
    }

    [Fact]
    public async Task a_datagram_longer_than_any_udp_one_is_dropped_with_a_reason_and_the_next_is_served()
    {
        var rejections = new Rejections();
        await using var host = ServingHost.Datagram(Transports.UnixDatagram, SmallServices.Create("echo").Datagram, observer: rejections);
        using var client = host.DatagramClient();
        client.SendBufferSize = 256 * 1024;
        await client.SendAsync(new byte[100_000]);
        await SmallServiceTests.WaitUntil(() => rejections.Reasons.Count == 1);
        Assert.Equal("datagram of more than 65507 bytes is longer than the limit of 65507", Assert.Single(rejections.Reasons));
        Assert.Equal("next"u8.ToArray(), await host.AskAsync("next"u8.ToArray()));
    }

    [Fact]
    public async Task a_reply_to_a_client_that_has_gone_is_dropped_with_a_reason()
    {
        var rejections = new Rejections();
        await using var host = ServingHost.Datagram(Transports.UnixDatagram, async d =>
        {
            await Task.Delay(300); // the client goes meanwhile
            await d.ReplyAsync(d.Payload);
        }, observer: rejections);
        var client = host.DatagramClient();
        var path = client.LocalEndPoint!.ToString()!;
        await client.SendAsync(new byte[3]);
        client.Dispose();
        File.Delete(path);
        await SmallServiceTests.WaitUntil(() => rejections.Reasons.Count == 1);
        Assert.Equal("reply dropped: its path is gone", Assert.Single(rejections.Reasons));
        Assert.Equal(0, host.Server.TotalErrors);
    }

    [Fact]
    public async Task stopping_removes_the_socket_file()
    {
        var host = ServingHost.Datagram(Transports.UnixDatagram, SmallServices.Create("echo").Datagram);
        var path = host.EndPoint.ToString()!;
        Assert.True(File.Exists(path));
        var record = Assert.Single(host.Server.Sockets);
        Assert.Equal(("datagram", "unix", "unixgram", path), (record.Type, record.Family, record.Protocol, record.Local));
        await host.Server.StopAsync();
        Assert.False(File.Exists(path), "the socket file is removed when the server stops");
        await host.DisposeAsync();
    }
}

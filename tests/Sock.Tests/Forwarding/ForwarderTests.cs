using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Core.Forwarding;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Forwarding;

/// <summary>
/// The library's forwarder (<see cref="Forwarder"/>) between every pair of stream transports, with socat as the target:
/// bytes both ways, the client's FIN passed on (the target answers after it), and byte counts per direction.
/// </summary>
public sealed class ForwarderTests
{
    public static TheoryData<string, string> Pairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var from in new[] { Transports.Tcp4, Transports.Tcp6, Transports.Unix })
            foreach (var to in new[] { Transports.Tcp4, Transports.Tcp6, Transports.Unix })
                data.Add(from, to);
        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task the_clients_fin_reaches_the_target_which_answers_after_it(string from, string to)
    {
        using var dir = new TempDirectory("sock-fwd-");
        var (socat, target) = await ForwardPeers.SocatTargetAsync(to, dir, "SYSTEM:wc -c");
        await using var _ = socat;
        await using var forwarder = new Forwarder(ForwardEndpoint.Parse(ForwardPeers.ListenSpelling(from, dir), listening: true),
            ForwardEndpoint.Parse(ForwardPeers.TargetSpelling(target), listening: false));
        var bound = forwarder.Start();

        using var client = new Socket(bound.AddressFamily, SocketType.Stream, bound is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
        await client.ConnectAsync(bound);
        var payload = new byte[300_000];
        Random.Shared.NextBytes(payload);
        await client.SendAsync(payload);
        client.Shutdown(SocketShutdown.Send);
        var reply = Encoding.ASCII.GetString(await Net.ReadToEndAsync(client, TimeSpan.FromSeconds(20)));
        Assert.Equal("300000", reply.Trim());

        // The session's counts are exact, each way.
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (forwarder.Sessions.Count > 0 && sw.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
        Assert.Empty(forwarder.Sessions);
        Assert.Equal(300_000, forwarder.TotalBytesToTarget);
        Assert.Equal(reply.Length, forwarder.TotalBytesToClient);
    }
}

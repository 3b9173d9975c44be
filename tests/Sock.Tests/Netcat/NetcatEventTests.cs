using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Core.Endpoints;
using Sock.Core.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Netcat;

/// <summary>
/// netcat reports what happens as events, not as text (the CLI words them): a one-client listener in-process, with a
/// real client, tells that it listens, who connected and what the session moved.
/// </summary>
public class NetcatEventTests
{
    private sealed class Events : INetcatObserver
    {
        private readonly List<NetcatEvent> _all = [];

        public void On(NetcatEvent e)
        {
            lock (_all) _all.Add(e);
        }

        public IReadOnlyList<NetcatEvent> All
        {
            get { lock (_all) return [.. _all]; }
        }
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_one_client_listener_reports_listening_the_client_and_the_bytes_its_session_moved(string transport)
    {
        var bind = Transports.BindEndPoint(transport);
        var options = bind is IPEndPoint ip
            ? new NetcatOptions { Listen = true, Host = ip.Address.ToString(), Port = 0, NoDns = true }
            : new NetcatOptions { Listen = true, UnixPath = bind.ToString() };
        var events = new Events();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = new MemoryStream();
        var run = new StreamListener(options, null, events).RunAsync(new MemoryStream("from server\n"u8.ToArray()), output, cts.Token);

        Listening? listening = null;
        for (var i = 0; i < 200 && listening is null; i++)
        {
            listening = events.All.OfType<Listening>().FirstOrDefault();
            if (listening is null) await Task.Delay(50);
        }
        Assert.NotNull(listening);
        Assert.False(listening.Datagram);
        EndPoint target = bind is IPEndPoint b
            ? new IPEndPoint(b.Address, int.Parse(listening.Address[(listening.Address.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture))
            : bind;

        using (var client = new Socket(target.AddressFamily, SocketType.Stream, target is IPEndPoint ? ProtocolType.Tcp : ProtocolType.Unspecified))
        {
            await client.ConnectAsync(target, cts.Token);
            await client.SendAsync("from client, 22 bytes\n"u8.ToArray(), SocketFlags.None, cts.Token);
            client.Shutdown(SocketShutdown.Send);
            Assert.Equal("from server\n", Encoding.ASCII.GetString(await Net.ReadToEndAsync(client)));
            var peer = client.LocalEndPoint is IPEndPoint local ? EndpointText.Format(local) : "a local client";
            var result = await run.WaitAsync(cts.Token);
            Assert.NotNull(result);

            Assert.Equal(new ClientConnected(peer), Assert.Single(events.All.OfType<ClientConnected>()));
            Assert.Equal(new ClientClosed(peer, 12, 22), Assert.Single(events.All.OfType<ClientClosed>()));
            Assert.Equal((12L, 22L), (result.BytesSent, result.BytesReceived));
        }
        Assert.Equal("from client, 22 bytes\n", Encoding.ASCII.GetString(output.ToArray()));
        // In order: listening, the client, its close.
        var order = events.All.Where(e => e is Listening or ClientConnected or ClientClosed).Select(e => e.GetType().Name).ToList();
        Assert.Equal(["Listening", "ClientConnected", "ClientClosed"], order);
    }
}

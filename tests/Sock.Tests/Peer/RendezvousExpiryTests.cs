using System.Net;
using System.Net.Sockets;
using Sock.Core.Peer;
using Sock.Core.Serving;

namespace Sock.Tests.Peer;

/// <summary>
/// The rendezvous forgets a UDP registration that is not renewed: a peer that has gone (its path made, or its process
/// ended) is never introduced to anyone who asks for it later, and the table does not grow for ever.
/// </summary>
public sealed class RendezvousExpiryTests : IAsyncDisposable
{
    private static readonly TimeSpan Expiry = TimeSpan.FromMilliseconds(1500);
    private readonly Log _log = new();
    private readonly RendezvousServer _rendezvous;
    private readonly SocketServer _server = new();
    private readonly IPEndPoint _main;
    private readonly List<Socket> _peers = [];

    public RendezvousExpiryTests()
    {
        _rendezvous = new RendezvousServer(_log, Expiry);
        (_main, _) = _rendezvous.ListenUdp(_server, new IPEndPoint(IPAddress.Loopback, 0), new IPEndPoint(IPAddress.Loopback, 0), false);
        _server.Start();
    }

    [Fact]
    public void the_default_expiry_is_three_of_a_peers_longest_re_register_intervals() =>
        Assert.Equal(RendezvousPeer.ReRegister * 3, RendezvousServer.UdpExpiry);

    [Fact]
    public async Task a_registration_not_renewed_within_the_expiry_is_forgotten_and_never_introduced()
    {
        var bob = Peer();
        var alice = Peer();
        await RegisterAsync(bob, "bob");
        // While bob is fresh, asking for him is an introduction.
        var answers = await RegisterAsync(alice, "alice", "to=bob");
        Assert.Contains(answers, m => m.Verb == RendezvousMessage.Intro && m.At(0) == "bob");
        // bob falls silent for longer than the expiry: carol is told to wait, not given bob's stale address.
        await Task.Delay(Expiry + TimeSpan.FromMilliseconds(300));
        var carol = Peer();
        answers = await RegisterAsync(carol, "carol", "to=bob");
        Assert.Contains(answers, m => m.Verb == RendezvousMessage.Waiting && m.At(0) == "bob");
        Assert.DoesNotContain(answers, m => m.Verb == RendezvousMessage.Intro);
        Assert.Contains(("udp", "bob"), _log.Gone);
        Assert.Contains(("udp", "alice"), _log.Gone);
        Assert.DoesNotContain(("udp", "carol"), _log.Gone);
    }

    [Fact]
    public async Task a_peer_that_keeps_registering_is_never_expired()
    {
        var bob = Peer();
        await RegisterAsync(bob, "bob");
        // Then a REGISTER every sixth of the expiry for twice the expiry (sent without waiting for the answers, so a slow
        // machine stretches the gaps by its scheduling delay only): bob is alive the whole time.
        for (var i = 0; i < 12; i++)
        {
            await Task.Delay(Expiry / 6);
            await bob.SendToAsync(RendezvousMessage.Format(RendezvousMessage.Register, "bob"), _main);
        }
        var alice = Peer();
        var answers = await RegisterAsync(alice, "alice", "to=bob");
        Assert.Contains(answers, m => m.Verb == RendezvousMessage.Intro && m.At(0) == "bob");
        Assert.DoesNotContain(("udp", "bob"), _log.Gone);
    }

    private Socket Peer()
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _peers.Add(s);
        return s;
    }

    /// <summary>Sends a REGISTER and reads the answers (REGISTERED and what follows it) until 300 ms pass without one.</summary>
    private async Task<List<RendezvousMessage>> RegisterAsync(Socket peer, string name, string? to = null)
    {
        await peer.SendToAsync(RendezvousMessage.Format(RendezvousMessage.Register, name, to), _main);
        var answers = new List<RendezvousMessage>();
        var buffer = new byte[1024];
        while (true)
        {
            // The first answer may take a while on a loaded machine; the ones after it come at once.
            using var limit = new CancellationTokenSource(answers.Count == 0 ? TimeSpan.FromSeconds(10) : TimeSpan.FromMilliseconds(300));
            SocketReceiveFromResult r;
            try { r = await peer.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), limit.Token); }
            catch (OperationCanceledException) { break; }
            Assert.True(RendezvousMessage.TryParse(buffer.AsSpan(0, r.ReceivedBytes), out var m));
            answers.Add(m!);
        }
        Assert.True(answers.Count > 0 && answers[0].Verb == RendezvousMessage.Registered, $"no REGISTERED for {name}");
        return answers;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var s in _peers) s.Dispose();
        await _server.DisposeAsync();
    }

    private sealed class Log : IRendezvousObserver
    {
        public readonly List<(string Transport, string Name)> Gone = [];

        public void Registered(string transport, string name, IPEndPoint observed, IReadOnlyList<IPEndPoint> host) { }

        public void Introduced(string transport, string a, IPEndPoint aObserved, string b, IPEndPoint bObserved) { }

        public void Relaying(string transport, string a, string b) { }

        public void Refused(string transport, IPEndPoint from, string why) { }

        void IRendezvousObserver.Expired(string transport, string name, IPEndPoint observed, TimeSpan silent)
        {
            lock (Gone) Gone.Add((transport, name));
        }
    }
}

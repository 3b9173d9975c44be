using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Core.Forwarding;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Forwarding;

/// <summary>
/// What the relay passes from one leg to the other, with test-side sockets at both ends so each end's view can be checked:
/// the target's FIN (the client may still send), a reset either way arriving as a reset, and a slow reader holding the
/// sender back instead of the forwarder buffering.
/// </summary>
public sealed class ForwardRelayTests
{
    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task the_targets_fin_reaches_the_client_which_may_still_send(string transport)
    {
        await using var pair = await ForwardedPair.OpenAsync(transport);
        await pair.Target.SendAsync("bye\n"u8.ToArray());
        pair.Target.Shutdown(SocketShutdown.Send);
        // The client reads the target's words and its end of stream…
        Assert.Equal("bye\n", Encoding.ASCII.GetString(await Net.ReadToEndAsync(pair.Client, TimeSpan.FromSeconds(10))));
        // …and its own bytes still reach the target, followed by its own end.
        await pair.Client.SendAsync("late\n"u8.ToArray());
        pair.Client.Shutdown(SocketShutdown.Send);
        Assert.Equal("late\n", Encoding.ASCII.GetString(await Net.ReadToEndAsync(pair.Target, TimeSpan.FromSeconds(10))));
        await pair.WaitClosedAsync();
        Assert.Equal(5, pair.Forwarder.TotalBytesToTarget);
        Assert.Equal(4, pair.Forwarder.TotalBytesToClient);
    }

    [Theory]
    [InlineData(Transports.Tcp4)]
    [InlineData(Transports.Tcp6)]
    public async Task a_target_reset_reaches_the_client_as_a_reset(string transport)
    {
        await using var pair = await ForwardedPair.OpenAsync(transport);
        await pair.Client.SendAsync("ping\n"u8.ToArray());
        Assert.Equal("ping\n", await Net.ReadUntilAsync(pair.Target, "\n"));
        pair.Target.LingerState = new LingerOption(true, 0);
        pair.Target.Close();
        var ex = await Assert.ThrowsAnyAsync<SocketException>(() => Net.ReadToEndAsync(pair.Client, TimeSpan.FromSeconds(10)));
        Assert.Equal(SocketError.ConnectionReset, ex.SocketErrorCode);
        await pair.WaitClosedAsync();
        Assert.Equal("reset by target", pair.LastReason);
    }

    [Theory]
    [InlineData(Transports.Tcp4)]
    [InlineData(Transports.Tcp6)]
    public async Task a_client_reset_reaches_the_target_as_a_reset(string transport)
    {
        await using var pair = await ForwardedPair.OpenAsync(transport);
        await pair.Client.SendAsync("ping\n"u8.ToArray());
        Assert.Equal("ping\n", await Net.ReadUntilAsync(pair.Target, "\n"));
        pair.Client.LingerState = new LingerOption(true, 0);
        pair.Client.Close();
        var ex = await Assert.ThrowsAnyAsync<SocketException>(() => Net.ReadToEndAsync(pair.Target, TimeSpan.FromSeconds(10)));
        Assert.Equal(SocketError.ConnectionReset, ex.SocketErrorCode);
        await pair.WaitClosedAsync();
        Assert.Equal("reset by client", pair.LastReason);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_target_that_does_not_read_holds_the_client_back(string transport)
    {
        await using var pair = await ForwardedPair.OpenAsync(transport);
        // The client writes 64 MiB; the target reads nothing. What leaves the client is bounded by the socket buffers on
        // both legs and the forwarder's own bound (ForwardOptions.MaxInputBuffer and the output pipe), not by the data.
        var block = new byte[1 << 20];
        using var cts = new CancellationTokenSource();
        long sent = 0;
        var writing = Task.Run(async () =>
        {
            try
            {
                for (var i = 0; i < 64; i++)
                {
                    await pair.Client.SendAsync(block, SocketFlags.None, cts.Token);
                    Interlocked.Add(ref sent, block.Length);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        // Wait until the client makes no progress for half a second (bounded: 20 s).
        var sw = System.Diagnostics.Stopwatch.StartNew();
        long before;
        do
        {
            before = Interlocked.Read(ref sent);
            await Task.Delay(500);
        }
        while (Interlocked.Read(ref sent) != before && sw.Elapsed < TimeSpan.FromSeconds(20) && !writing.IsCompleted);
        Assert.False(writing.IsCompleted, "all 64 MiB left the client although the target read nothing");
        var session = Assert.Single(pair.Forwarder.Sessions);
        var readFromClient = session.ClientRecord!.BytesIn;
        var sentToTarget = session.TargetRecord!.BytesOut;
        // Held inside the forwarder: read from the client, not yet sent to the target. Within its bound, whatever the data.
        Assert.True(readFromClient - sentToTarget <= 2 * ForwardOptions.DefaultMaxInputBuffer + (1 << 20),
            $"{readFromClient - sentToTarget} bytes held in the forwarder");
        Assert.True(Interlocked.Read(ref sent) < 48 << 20, $"{Interlocked.Read(ref sent)} bytes left the client");
        await cts.CancelAsync();
    }

    /// <summary>A forwarder between a test client and a test-side target socket, both ends in the test's hands.</summary>
    private sealed class ForwardedPair : IAsyncDisposable
    {
        private readonly Socket _listener;
        private readonly TempDirectory _dir;
        private readonly Log _log;

        private ForwardedPair(TempDirectory dir, Socket listener, Forwarder forwarder, Log log, Socket client, Socket target)
        {
            _dir = dir;
            _listener = listener;
            Forwarder = forwarder;
            _log = log;
            Client = client;
            Target = target;
        }

        public Forwarder Forwarder { get; }

        public Socket Client { get; }

        public Socket Target { get; }

        public string? LastReason => _log.LastReason;

        public static async Task<ForwardedPair> OpenAsync(string transport)
        {
            var dir = new TempDirectory("sock-relay-");
            var (listener, target) = Net.TestListener(transport);
            var log = new Log();
            var forwarder = new Forwarder(ForwardEndpoint.Parse(ForwardPeers.ListenSpelling(transport, dir), listening: true),
                ForwardEndpoint.Parse(ForwardPeers.TargetSpelling(target.EndPoint), listening: false), new ForwardOptions(), log);
            var bound = forwarder.Start();
            var client = new Socket(bound.AddressFamily, SocketType.Stream, bound is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
            await client.ConnectAsync(bound);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var accepted = await listener.AcceptAsync(cts.Token);
            return new ForwardedPair(dir, listener, forwarder, log, client, accepted);
        }

        public async Task WaitClosedAsync()
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            while (_log.ClosedCount == 0 && sw.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
            Assert.Equal(1, _log.ClosedCount);
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            Target.Dispose();
            _listener.Dispose();
            await Forwarder.DisposeAsync();
            _dir.Dispose();
        }
    }

    private sealed class Log : ForwardObserver
    {
        private int _closed;

        public int ClosedCount => Volatile.Read(ref _closed);

        public string? LastReason { get; private set; }

        public override void Closed(ForwardSession session)
        {
            LastReason = session.CloseReason;
            Interlocked.Increment(ref _closed);
        }
    }
}

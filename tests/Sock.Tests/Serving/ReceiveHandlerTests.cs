using System.Net.Sockets;
using System.Text;
using Sock.Core.Connections;
using Sock.Core.Inetd;
using Sock.Core.Serving;
using Sock.Tests.Support;

namespace Sock.Tests.Serving;

/// <summary>The raw receive path (a <see cref="ReceiveHandler"/>): a span on the I/O thread answered with one send, on both engines.</summary>
public class ReceiveHandlerTests
{
    /// <summary>Answers each receive with the name of the thread it ran on and whether the connection had pipes.</summary>
    private sealed class ThreadReporter : ReceiveHandler
    {
        public override void OnReceived(Connection connection, ReadOnlySpan<byte> data)
        {
            bool pipes;
            try
            {
                _ = connection.Input;
                pipes = true;
            }
            catch (InvalidOperationException)
            {
                pipes = false;
            }
            connection.Send(Encoding.ASCII.GetBytes($"{(pipes ? "pipes" : "raw")} {Thread.CurrentThread.Name}\n"));
        }

        protected override ValueTask ServeOverPipesAsync(Connection connection) => throw new InvalidOperationException("served over pipes");
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task a_receive_handler_runs_raw_on_the_engines_io_thread(string transport)
    {
        var epoll = !transport.EndsWith(Engines.DotnetSuffix, StringComparison.Ordinal);
        await using var host = ServingHost.Stream(transport, new ThreadReporter().Stream);
        using var client = await host.ConnectAsync();
        // The thread that starts the connection runs the first round, and it goes round again for every edge that comes
        // while it is busy, so on a slow machine it may answer a few round trips; once it lets go, every receive comes
        // with an edge (epoll) or a completion (.NET's engine) and never on the starting thread again.
        var onEngineThread = 0;
        for (var i = 0; i < 50 && onEngineThread < 3; i++)
        {
            await client.SendAllAsync("b"u8.ToArray());
            var line = await ReadLineAsync(client);
            Assert.StartsWith("raw ", line);
            if (!epoll) Assert.DoesNotContain("epoll", line);
            if (line.StartsWith("raw sock epoll", StringComparison.Ordinal) || !epoll) onEngineThread++;
            else Assert.Equal(0, onEngineThread); // back on another thread after the engine's took over
        }
        Assert.Equal(3, onEngineThread);
    }

    [Theory]
    [MemberData(nameof(Engines.Tcp4), MemberType = typeof(Engines))]
    public async Task echo_holds_at_most_one_receive_for_a_peer_that_does_not_read(string transport)
    {
        // Over pipes the server would hold up to its input and output limits (1 MiB + 64 KiB) for this peer; raw, it
        // stops receiving as soon as one answer cannot go out, so it holds at most one receive (one block) — and on .NET's
        // engine, which takes the next receive while an answer is on its way, that answer too.
        await using var host = ServingHost.Stream(transport, SmallServices.Create("echo").Stream);
        using var hog = await host.ConnectAsync();
        hog.ReceiveBufferSize = 64 * 1024;
        using var stop = new CancellationTokenSource();
        var chunk = new byte[64 * 1024];
        long sent = 0;
        var sending = Task.Run(async () =>
        {
            try
            {
                // Bounded: at most 64 MiB, and it stops when the test is done.
                while (Interlocked.Read(ref sent) < 64L << 20)
                    Interlocked.Add(ref sent, await hog.SendAsync(chunk, SocketFlags.None, stop.Token));
            }
            catch (OperationCanceledException)
            {
            }
        });
        long last = -1;
        for (var i = 0; i < 100; i++)
        {
            await Task.Delay(100);
            var now = host.Server.Connections.Single().BytesIn;
            if (now == last && now > 0) break;
            last = now;
        }
        var record = host.Server.Connections.Single();
        Assert.True(record.BytesIn > 0);
        var held = record.BytesIn - record.BytesOut;
        var bound = transport.EndsWith(Engines.DotnetSuffix, StringComparison.Ordinal) ? 2 * ServerOptions.DefaultBlockSize : ServerOptions.DefaultBlockSize;
        Assert.True(held <= bound, $"server holds {held} bytes for a peer that does not read");
        Assert.True(Interlocked.Read(ref sent) < 64L << 20, "the sender should have been stopped by flow control");
        // Meanwhile another client is served at once.
        using var other = await host.ConnectAsync();
        await other.SendAllAsync("ping\n"u8.ToArray());
        Assert.Equal("ping", await ReadLineAsync(other));
        await stop.CancelAsync();
        hog.Close(0);
        await sending;
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task echo_sends_everything_back_after_the_peer_half_closes_and_then_closes(string transport)
    {
        await using var host = ServingHost.Stream(transport, SmallServices.Create("echo").Stream);
        using var client = await host.ConnectAsync();
        var payload = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 2000).Select(i => $"line {i}\n")));
        await client.SendAllAsync(payload);
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(payload, await client.ReadToEndAsync(payload.Length + 1, TimeSpan.FromSeconds(30)));
        await SmallServiceTests.WaitUntil(() => host.Server.ActiveConnections == 0);
    }

    [Theory]
    [MemberData(nameof(Engines.Tcp4), MemberType = typeof(Engines))]
    public async Task chargen_stops_when_the_server_stops_while_its_client_reads(string transport)
    {
        var server = new SocketServer(Engines.OptionsFor(transport, null));
        var ep = server.ListenStream("chargen", Transports.BindEndPoint(Engines.TransportOf(transport)), SmallServices.Create("chargen").Stream);
        server.Start();
        using var client = new Socket(ep.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(ep).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(74, (await client.ReadExactlyAsync(74)).Length);
        var stopping = server.StopAsync(TimeSpan.FromSeconds(20));
        // The client reads on; the server ends the stream itself, long before the drain deadline would force it.
        Assert.True(await CountToEndAsync(client, TimeSpan.FromSeconds(15)) > 0);
        Assert.Equal(0, await stopping.WaitAsync(TimeSpan.FromSeconds(15)));
        await server.DisposeAsync();
    }

    /// <summary>Reads and counts until the peer closes, within <paramref name="timeout"/> (keeps nothing: chargen is fast).</summary>
    private static async Task<long> CountToEndAsync(Socket s, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[65536];
        long total = 0;
        int n;
        while ((n = await s.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0) total += n;
        return total;
    }

    private static async Task<string> ReadLineAsync(Socket s)
    {
        var line = new List<byte>();
        while (true)
        {
            var b = await s.ReadExactlyAsync(1).WaitAsync(TimeSpan.FromSeconds(10));
            if (b[0] == (byte)'\n') return Encoding.ASCII.GetString([.. line]);
            line.Add(b[0]);
        }
    }
}

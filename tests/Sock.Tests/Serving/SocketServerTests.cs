using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Core.Serving;
using Sock.Core.Inetd;
using Sock.Tests.Support;
using Sock.Core.Connections;

namespace Sock.Tests.Serving;

/// <summary>The engine's limits, faults, records, counters and shutdown, with real sockets on loopback.</summary>
public class SocketServerTests
{
    private sealed class Recorder : IServerObserver
    {
        public List<SocketRecord> Closed { get; } = [];
        public List<string> Rejections { get; } = [];

        void IServerObserver.Closed(SocketRecord record)
        {
            lock (Closed) Closed.Add(record);
        }

        void IServerObserver.Rejected(string service, EndPoint? remote, string reason)
        {
            lock (Rejections) Rejections.Add(reason);
        }

        public SocketRecord? ClosedRecord(Func<SocketRecord, bool> which)
        {
            lock (Closed) return Closed.FirstOrDefault(which);
        }
    }

    private static async Task<(SocketServer Server, EndPoint EndPoint)> StartAsync(string transport, ConnectionHandler handler,
        ServerOptions? options = null, IServerObserver? observer = null)
    {
        var server = new SocketServer(Engines.OptionsFor(transport, options), observer: observer);
        var ep = server.ListenStream("test", Transports.BindEndPoint(Engines.TransportOf(transport)), handler);
        server.Start();
        await Task.Yield();
        return (server, ep);
    }

    private static async Task<Socket> ConnectAsync(EndPoint ep)
    {
        var s = new Socket(ep.AddressFamily, SocketType.Stream, ep is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
        await s.ConnectAsync(ep).WaitAsync(TimeSpan.FromSeconds(10));
        return s;
    }

    private static async Task<string> ReadLineAsync(Socket s)
    {
        var line = new List<byte>();
        while (true)
        {
            var b = await s.ReadExactlyAsync(1);
            if (b[0] == (byte)'\n') return Encoding.ASCII.GetString([.. line]);
            line.Add(b[0]);
        }
    }

    private static async Task<string> RoundTripAsync(Socket s, string text)
    {
        await s.SendAllAsync(Encoding.ASCII.GetBytes(text));
        return Encoding.ASCII.GetString(await s.ReadExactlyAsync(text.Length));
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_handler_that_asks_for_the_thread_pool_resumes_there_never_on_an_io_thread(string transport)
    {
        // The epoll engine (the default here): without the option its handlers resume on its own threads (the test above).
        // .NET's engine resumes them on pool threads either way, so it would prove nothing.
        var options = new ServerOptions();
        options.Connection.HandlerOnThreadPool = true;
        var (server, ep) = await StartAsync(transport, async c =>
        {
            while (true)
            {
                var before = Thread.CurrentThread;
                var read = c.Input.ReadAsync();
                var waited = !read.IsCompleted;
                var r = await read;
                var where = waited && Thread.CurrentThread != before
                    ? $"resumed {(Thread.CurrentThread.IsThreadPoolThread ? "pool" : "other")} {Thread.CurrentThread.Name ?? "(unnamed)"}"
                    : "at once";
                c.Input.AdvanceTo(r.Buffer.End);
                if (r.IsCompleted) return;
                await c.Output.WriteAsync(Encoding.ASCII.GetBytes(where + "\n"));
            }
        }, options);
        await using var _ = server;
        using var client = await ConnectAsync(ep);
        var resumedOn = new List<string>();
        for (var tries = 0; tries < 40 && resumedOn.Count < 3; tries++)
        {
            if (tries > 0) await Task.Delay(50);
            await client.SendAllAsync("?"u8.ToArray());
            var line = await ReadLineAsync(client);
            if (line.StartsWith("resumed ", StringComparison.Ordinal)) resumedOn.Add(line["resumed ".Length..]);
        }
        Assert.NotEmpty(resumedOn);
        Assert.All(resumedOn, thread => Assert.StartsWith("pool ", thread, StringComparison.Ordinal));
        Assert.All(resumedOn, thread => Assert.DoesNotContain("epoll", thread, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Transports.Tcp4, true)]
    [InlineData(Transports.Unix, true)]
    [InlineData(Transports.Tcp4 + Engines.DotnetSuffix, false)]
    public async Task handlers_run_on_the_engines_own_epoll_threads_unless_told_otherwise(string transport, bool epoll)
    {
        epoll &= OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture is System.Runtime.InteropServices.Architecture.X64 or System.Runtime.InteropServices.Architecture.Arm64;
        var (server, ep) = await StartAsync(transport, async c =>
        {
            while (true)
            {
                // Only a read that was resumed by another thread shows where waiting handlers resume. A read that
                // completes at once, or whose data arrives between ReadAsync and the await (a preempted handler on a
                // loaded machine), goes on on the handler's own thread, whatever the engine.
                var before = Thread.CurrentThread;
                var read = c.Input.ReadAsync();
                var waited = !read.IsCompleted;
                var r = await read;
                var resumedElsewhere = waited && Thread.CurrentThread != before;
                var where = Thread.CurrentThread.Name ?? "(unnamed)";
                c.Input.AdvanceTo(r.Buffer.End);
                if (r.IsCompleted) return;
                await c.Output.WriteAsync(Encoding.ASCII.GetBytes((resumedElsewhere ? "resumed " : "at once ") + where + "\n"));
            }
        });
        await using var _ = server;
        using var client = await ConnectAsync(ep);
        var resumedOn = new List<string>();
        for (var tries = 0; tries < 20 && resumedOn.Count < (epoll ? 1 : 3); tries++)
        {
            // The next byte goes out a little after the reply, so the handler is most likely waiting for it by then.
            if (tries > 0) await Task.Delay(50);
            await client.SendAllAsync("?"u8.ToArray());
            var line = await ReadLineAsync(client);
            if (line.StartsWith("resumed ", StringComparison.Ordinal)) resumedOn.Add(line["resumed ".Length..]);
        }
        // On the epoll engine every resumption is by an epoll thread (the handler starts on the thread pool, so the first
        // one is always by another thread). .NET's engine may resume a handler on the very pool thread it left.
        if (epoll) Assert.NotEmpty(resumedOn);
        foreach (var thread in resumedOn)
        {
            if (epoll) Assert.StartsWith("sock epoll", thread);
            else Assert.DoesNotContain("epoll", thread);
        }
    }

    [Theory]
    [MemberData(nameof(Engines.Tcp4), MemberType = typeof(Engines))]
    public async Task a_thousand_concurrent_echo_clients_are_all_answered(string transport)
    {
        var (server, ep) = await StartAsync(transport, SmallServices.Create("echo").Stream, new ServerOptions { Backlog = 1024 });
        await using var _ = server;
        var clients = new List<Socket>();
        try
        {
            // Connect in waves so the listen backlog never overflows into SYN retries.
            for (var wave = 0; wave < 5; wave++)
                clients.AddRange(await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => ConnectAsync(ep))));
            await SmallServiceTests.WaitUntil(() => server.ActiveConnections == 1000);
            var answers = await Task.WhenAll(clients.Select((c, i) => RoundTripAsync(c, $"client {i:D4} says hello, over TCP\n")));
            for (var i = 0; i < answers.Length; i++) Assert.Equal($"client {i:D4} says hello, over TCP\n", answers[i]);
            Assert.Equal(1000, server.Connections.Count);
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
        await SmallServiceTests.WaitUntil(() => server.ActiveConnections == 0);
        Assert.Equal(1000, server.TotalAccepted);
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task an_oversized_line_closes_only_that_connection_with_a_reason(string transport)
    {
        var recorder = new Recorder();
        var (server, ep) = await StartAsync(transport, SmallServices.Create("echo").Stream, new ServerOptions { MaxLineLength = 100 }, recorder);
        await using var _ = server;
        using var good = await ConnectAsync(ep);
        using var bad = await ConnectAsync(ep);
        Assert.Equal("short line\n", await RoundTripAsync(good, "short line\n"));
        await bad.SendAllAsync(new byte[5000].Select(_ => (byte)'x').ToArray());
        try
        {
            Assert.Empty(await bad.ReadToEndAsync());
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            // Closing with unread input sends a reset on TCP: closed all the same.
        }
        await SmallServiceTests.WaitUntil(() => recorder.ClosedRecord(r => r.CloseReason == "line longer than 100 bytes") is not null);
        Assert.Equal("still served\n", await RoundTripAsync(good, "still served\n"));
        Assert.Equal(1, server.ActiveConnections);
    }

    [Theory]
    [MemberData(nameof(Transports.DatagramWithUnix), MemberType = typeof(Transports))]
    public async Task an_oversized_datagram_is_dropped_with_a_reason_and_the_next_is_served(string transport)
    {
        var recorder = new Recorder();
        var server = new SocketServer(new ServerOptions { MaxLineLength = 100 }, observer: recorder);
        await using var _ = server;
        var ep = server.ListenDatagram("echo", Transports.BindEndPoint(transport), SmallServices.Create("echo").Datagram);
        server.Start();
        using var client = ServingHost.DatagramClientFor(ep);
        await client.SendAsync(new byte[200]);
        await SmallServiceTests.WaitUntil(() => server.TotalRejected == 1);
        Assert.Contains("datagram of 200 bytes is longer than the limit of 100", recorder.Rejections);
        await client.SendAsync(new byte[100]);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        Assert.Equal(100, await client.ReceiveAsync(new byte[1000], SocketFlags.None, cts.Token));
        // The reply can arrive before the server has counted it.
        await SmallServiceTests.WaitUntil(() => server.TotalBytesOut == 100);
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task a_handler_slower_than_its_peer_pauses_the_receive_and_loses_nothing(string transport)
    {
        // A small input limit and a handler that sleeps between reads: the receive keeps finding the input pipe full,
        // parks, and is resumed from the handler's thread pool thread while edges keep arriving on the epoll thread.
        var options = new ServerOptions { MaxInputBuffer = 16 * 1024 };
        var (server, ep) = await StartAsync(transport, async c =>
        {
            long count = 0, sum = 0;
            while (true)
            {
                var r = await c.Input.ReadAsync();
                foreach (var segment in r.Buffer)
                    foreach (var b in segment.Span)
                    {
                        count++;
                        sum = (sum * 31 + b) % 1_000_000_007;
                    }
                c.Input.AdvanceTo(r.Buffer.End);
                if (r.IsCompleted) break;
                await Task.Delay(1);
            }
            await c.Output.WriteAsync(Encoding.ASCII.GetBytes($"{count} {sum}\n"));
        }, options);
        await using var _ = server;
        var data = new byte[4 * 1024 * 1024];
        new Random(42).NextBytes(data);
        long expected = 0;
        foreach (var b in data) expected = (expected * 31 + b) % 1_000_000_007;
        using var client = await ConnectAsync(ep);
        await client.SendAllAsync(data).WaitAsync(TimeSpan.FromSeconds(60));
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal($"{data.Length} {expected}", await ReadLineAsync(client).WaitAsync(TimeSpan.FromSeconds(60)));
    }

    [Theory]
    [MemberData(nameof(Engines.Tcp4), MemberType = typeof(Engines))]
    public async Task a_client_that_never_reads_is_held_to_bounded_buffers_while_others_are_served(string transport)
    {
        var (server, ep) = await StartAsync(transport, SmallServices.Create("echo").Stream);
        await using var _ = server;
        using var hog = await ConnectAsync(ep);
        hog.ReceiveBufferSize = 64 * 1024;
        using var stop = new CancellationTokenSource();
        var chunk = new byte[64 * 1024];
        long sent = 0;
        var sending = Task.Run(async () =>
        {
            try
            {
                // Bounded: at most 256 MiB, and it stops when the test is done.
                while (sent < 256L << 20)
                    sent += await hog.SendAsync(chunk, SocketFlags.None, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        });
        // Wait until the server stops taking bytes from the hog: its pipes are full and it paused.
        long last = -1;
        for (var i = 0; i < 100; i++)
        {
            await Task.Delay(100);
            var now = server.Connections.Single().BytesIn;
            if (now == last && now > 0) break;
            last = now;
        }
        var record = server.Connections.Single();
        var held = record.BytesIn - record.BytesOut;
        Assert.True(held <= ServerOptions.DefaultMaxInputBuffer * 2L + ServerOptions.DefaultMaxOutputBuffer + 64 * 1024,
            $"server holds {held} bytes for a peer that does not read");
        Assert.True(Interlocked.Read(ref sent) < 256L << 20, "the sender should have been stopped by flow control");
        // Meanwhile another client is served at once.
        using var other = await ConnectAsync(ep);
        Assert.Equal("ping\n", await RoundTripAsync(other, "ping\n"));
        await stop.CancelAsync();
        hog.Close(0);
        await sending;
    }

    [Theory]
    [InlineData(Transports.Tcp4)]
    [InlineData(Transports.Tcp6)]
    [InlineData(Transports.Tcp4 + Engines.DotnetSuffix)]
    [InlineData(Transports.Tcp6 + Engines.DotnetSuffix)]
    public async Task a_client_reset_mid_stream_is_recorded_and_the_server_goes_on(string transport)
    {
        var recorder = new Recorder();
        var (server, ep) = await StartAsync(transport, SmallServices.Create("echo").Stream, observer: recorder);
        await using var _ = server;
        var rude = await ConnectAsync(ep);
        await rude.SendAllAsync(new byte[1 << 20]);
        rude.LingerState = new LingerOption(true, 0);
        rude.Close(); // RST with data still in flight both ways
        await SmallServiceTests.WaitUntil(() => recorder.ClosedRecord(_ => true) is not null);
        Assert.Equal("reset by peer", recorder.ClosedRecord(_ => true)!.CloseReason);
        using var polite = await ConnectAsync(ep);
        Assert.Equal("after\n", await RoundTripAsync(polite, "after\n"));
        Assert.Equal(0, server.TotalErrors);
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task an_idle_connection_is_closed_after_the_idle_timeout(string transport)
    {
        var recorder = new Recorder();
        var (server, ep) = await StartAsync(transport, SmallServices.Create("echo").Stream,
            new ServerOptions { IdleTimeout = TimeSpan.FromSeconds(1) }, recorder);
        await using var _ = server;
        using var client = await ConnectAsync(ep);
        Assert.Equal("x\n", await RoundTripAsync(client, "x\n"));
        var started = Environment.TickCount64;
        Assert.Empty(await client.ReadToEndAsync(timeout: TimeSpan.FromSeconds(5)));
        Assert.InRange(Environment.TickCount64 - started, 700, 5000);
        await SmallServiceTests.WaitUntil(() => recorder.ClosedRecord(_ => true) is not null);
        Assert.StartsWith("idle timeout", recorder.ClosedRecord(_ => true)!.CloseReason);
    }

    [Theory]
    [MemberData(nameof(Engines.Tcp4), MemberType = typeof(Engines))]
    public async Task connections_beyond_the_limit_are_refused_and_counted(string transport)
    {
        var recorder = new Recorder();
        var (server, ep) = await StartAsync(transport, SmallServices.Create("echo").Stream, new ServerOptions { MaxConnections = 2 }, recorder);
        await using var _ = server;
        using var a = await ConnectAsync(ep);
        using var b = await ConnectAsync(ep);
        Assert.Equal("a\n", await RoundTripAsync(a, "a\n"));
        Assert.Equal("b\n", await RoundTripAsync(b, "b\n"));
        using var c = await ConnectAsync(ep);
        Assert.Empty(await c.ReadToEndAsync());
        Assert.Equal(1, server.TotalRejected);
        Assert.Contains("connection limit (2) reached", recorder.Rejections);
        Assert.Equal("a\n", await RoundTripAsync(a, "a\n"));
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task a_listening_socket_bound_elsewhere_is_served_and_its_admission_filter_refuses_before_any_read(string transport)
    {
        var recorder = new Recorder();
        var local = Transports.BindEndPoint(Engines.TransportOf(transport));
        var bound = Sock.Core.Sockets.TracedSocket.CreateFor(local, SocketType.Stream, null);
        bound.Bind(local);
        bound.Listen(16);
        var read = 0;
        var admitted = 0;
        await using var server = new SocketServer(Engines.OptionsFor(transport, null), observer: recorder);
        var ep = server.ListenOn("adopted", bound, async c =>
        {
            var r = await c.Input.ReadAsync();
            Interlocked.Increment(ref read);
            await c.SendAsync(r.Buffer);
            c.Input.AdvanceTo(r.Buffer.End);
        }, remote => Interlocked.Increment(ref admitted) == 1 ? "first caller refused" : null);
        server.Start();
        using (var refused = await ConnectAsync(ep))
        {
            try
            {
                // The server may have closed it already (a Unix peer then gets EPIPE, TCP a reset): either way it is gone.
                await refused.SendAllAsync("dropped\n"u8.ToArray());
                Assert.Empty(await refused.ReadToEndAsync());
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.Shutdown or SocketError.ConnectionReset)
            {
            }
        }
        Assert.Equal(0, Volatile.Read(ref read));
        Assert.Equal(1, server.TotalRejected);
        lock (recorder.Rejections) Assert.Equal(["first caller refused"], recorder.Rejections);
        using var welcome = await ConnectAsync(ep);
        Assert.Equal("served\n", await RoundTripAsync(welcome, "served\n"));
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task each_connection_has_a_socket_record(string transport)
    {
        var (server, ep) = await StartAsync(transport, SmallServices.Create("echo").Stream);
        await using var _ = server;
        using var client = await ConnectAsync(ep);
        Assert.Equal("12345\n", await RoundTripAsync(client, "12345\n"));
        await SmallServiceTests.WaitUntil(() => server.Connections.Single().BytesOut == 6);
        var r = server.Connections.Single();
        Assert.Equal("stream", r.Type);
        transport = Engines.TransportOf(transport);
        Assert.Equal(transport switch { Transports.Tcp4 => "inet", Transports.Tcp6 => "inet6", _ => "unix" }, r.Family);
        Assert.Equal(transport == Transports.Unix ? "unix" : "tcp", r.Protocol);
        Assert.Equal("ESTAB", r.State);
        Assert.Equal(6, r.BytesIn);
        Assert.Equal(1, r.MessagesIn);
        Assert.True(r.Handle > 2);
        Assert.True(Directory.Exists($"/proc/self/fd/{r.Handle}") || File.Exists($"/proc/self/fd/{r.Handle}"));
        if (transport != Transports.Unix) Assert.Equal(Sock.Core.Endpoints.EndpointText.Format(client.LocalEndPoint), r.Remote);
        var listener = server.Sockets.First();
        Assert.Equal("LISTEN", listener.State);
        Assert.Equal(Sock.Core.Endpoints.EndpointText.Format(ep), listener.Local);
    }

    [Fact]
    public async Task counters_report_connections_and_bytes_under_the_sock_meter()
    {
        var (server, ep) = await StartAsync(Transports.Tcp4, SmallServices.Create("echo").Stream);
        await using var _ = server;
        var values = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == server.Meter) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => { lock (values) values[instrument.Name] = value; });
        listener.Start();
        using (var client = await ConnectAsync(ep))
            Assert.Equal("counted\n", await RoundTripAsync(client, "counted\n"));
        await SmallServiceTests.WaitUntil(() => server.ActiveConnections == 0);
        listener.RecordObservableInstruments();
        Assert.Equal("sock", server.Meter.Name);
        Assert.Equal(1, values["sock.connections.accepted"]);
        Assert.Equal(0, values["sock.connections.active"]);
        Assert.Equal(0, values["sock.connections.rejected"]);
        Assert.Equal(8, values["sock.bytes.in"]);
        Assert.Equal(8, values["sock.bytes.out"]);
        Assert.Equal(0, values["sock.errors"]);
    }

    [Theory]
    [MemberData(nameof(Engines.Tcp4), MemberType = typeof(Engines))]
    public async Task a_graceful_stop_lets_open_connections_finish_and_closes_the_rest_at_the_deadline(string transport)
    {
        var (server, ep) = await StartAsync(transport, SmallServices.Create("echo").Stream);
        using var finishing = await ConnectAsync(ep);
        using var lingering = await ConnectAsync(ep);
        Assert.Equal("1\n", await RoundTripAsync(finishing, "1\n"));
        Assert.Equal("2\n", await RoundTripAsync(lingering, "2\n"));
        var stopping = server.StopAsync(TimeSpan.FromSeconds(1));
        // New connections are refused at once; open ones still work.
        await SmallServiceTests.WaitUntil(() => server.Sockets.All(s => s.State != "LISTEN"));
        await Assert.ThrowsAnyAsync<SocketException>(() => ConnectAsync(ep));
        Assert.Equal("still here\n", await RoundTripAsync(finishing, "still here\n"));
        finishing.Shutdown(SocketShutdown.Send);
        Assert.Empty(await finishing.ReadToEndAsync());
        Assert.Equal(1, await stopping); // the lingering one was closed at the deadline
        Assert.Empty(await lingering.ReadToEndAsync());
        await server.DisposeAsync();
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Numerics;
using System.Net.Sockets;
using System.Text;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Tracing;
using Sock.Core.Sockets;
using Sock.Core.Connections;
using Sock.Core.Serving;

namespace Sock.Core.Benchmarking;

/// <summary>
/// The receiving side of <c>sock bench</c> throughput and udp modes (like iperf3 -s): listens on a TCP port (or Unix
/// path) for control and data connections and, with UDP on, on the UDP port of the same number for datagrams. It counts
/// what arrives (or sends, for --reverse) and reports to the client over the control connection. See
/// <see cref="BenchControl"/> for the protocol. Sessions run side by side, told apart by their cookie.
/// What a client may ask is bounded by <see cref="BenchServerLimits"/>, and the memory a session takes does not grow
/// with what it asks: received bytes land in one shared scratch buffer (they are only counted), and every sending
/// stream sends from one shared read-only template, so a stream costs a socket and a task, not a buffer.
/// It is a pair of handlers on a <see cref="SocketServer"/>, which accepts and receives: each connection is served on
/// its own socket (a <see cref="SocketHandler"/>: the bytes go from the socket to the sink with no pipe between them),
/// each datagram by <see cref="OnDatagram"/>.
/// </summary>
public sealed class BenchServer : IAsyncDisposable
{
    private readonly EndPoint _listen;
    private readonly bool _udp;
    private readonly SocketTrace? _trace;
    private readonly IBenchServerObserver? _observer;
    private readonly BenchServerLimits _limits;
    private readonly Dictionary<string, int> _streamsByClient = new(StringComparer.Ordinal);
    private readonly Lock _accounting = new();
    // Every receiving stream reads into this and drops what it read: the contents are never looked at, so streams
    // writing over each other's bytes is harmless.
    private readonly byte[] _sink = GC.AllocateUninitializedArray<byte>(256 * 1024, pinned: true);
    private byte[] _template = [];
    private readonly ConcurrentDictionary<string, TcpSession> _tcp = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<uint, UdpSession> _udpSessions = new();
    private readonly CancellationTokenSource _stop = new();
    private SocketServer? _server;
    private EndPoint? _local;
    private EndPoint? _udpLocal;
    private CancellationToken _serving;
    private TaskCompletionSource? _firstSession;

    /// <summary>
    /// Creates a server for <paramref name="listen"/>; with <paramref name="udp"/> it also takes datagrams on that port.
    /// <paramref name="limits"/> bounds what clients may ask (default <see cref="BenchServerLimits.Default"/>).
    /// </summary>
    public BenchServer(EndPoint listen, bool udp, SocketTrace? trace = null, IBenchServerObserver? observer = null, BenchServerLimits? limits = null)
    {
        _listen = listen;
        _udp = udp;
        _trace = trace;
        _observer = observer;
        _limits = limits ?? BenchServerLimits.Default;
    }

    /// <summary>The limits in force.</summary>
    public BenchServerLimits Limits => _limits;

    /// <summary>How long a session may outlive the measurement it asked for (connecting, the result) before it is closed.</summary>
    private static readonly TimeSpan SessionGrace = TimeSpan.FromSeconds(30);

    /// <summary>The bound TCP (or Unix) endpoint, after <see cref="Start"/>.</summary>
    public EndPoint? LocalEndPoint => _local;

    /// <summary>The bound UDP endpoint, when UDP is on.</summary>
    public EndPoint? UdpEndPoint => _udpLocal;

    /// <summary>Binds and listens (TCP, and UDP on the same port when asked). Port 0 picks a free port for both.</summary>
    public void Start()
    {
        if (_udp && _listen is not IPEndPoint)
            throw SockException.Usage("bench --server --udp", EndpointText.Format(_listen), "UDP needs a port, not a Unix socket path");
        // The wildcard [::] takes IPv4 too, as iperf3 -s does.
        var settings = new ListenSettings(DualMode: _listen is IPEndPoint { Address: var a } && a.Equals(IPAddress.IPv6Any));
        TracedSocket listener, datagrams = null!;
        if (_udp)
        {
            (listener, datagrams) = SocketBinder.OpenOnOnePort((IPEndPoint)_listen, settings, _trace);
            datagrams.Socket.ReceiveBufferSize = 4 << 20;
        }
        else listener = SocketBinder.Open(_listen, SocketType.Stream, settings, _trace);
        // The server accepts and receives; the sockets are the handlers' own (no engine threads: IoThreads 0), and a
        // stop closes every connection at once (no drain: a measurement cut short is over).
        var server = new SocketServer(new ServerOptions { IoThreads = 0, DrainTimeout = TimeSpan.Zero });
        _local = server.ListenOn("bench", listener, new SocketHandler(ServeConnectionAsync).Stream);
        if (_udp) _udpLocal = server.ListenDatagramOn("bench", datagrams, OnDatagram);
        _server = server;
    }

    /// <summary>Serves until cancelled (or, with <paramref name="once"/>, until one measurement has ended).</summary>
    public async Task RunAsync(bool once, CancellationToken cancellationToken)
    {
        if (_server is null) Start();
        if (once) _firstSession = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        _serving = linked.Token;
        _server!.Start();
        var ended = _firstSession?.Task ?? Task.Delay(Timeout.Infinite, _serving);
        try
        {
            await Task.WhenAny(ended, Task.Delay(Timeout.Infinite, _serving)).ConfigureAwait(false);
        }
        finally
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _server.StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>One accepted connection, on its own socket: a data stream of a session, or a control connection.</summary>
    private async ValueTask ServeConnectionAsync(Connection connection, TracedSocket conn)
    {
        var ct = _serving;
        var peer = connection.RemoteEndPoint is IPEndPoint rep ? EndpointText.Format(rep) : "a local client";
        try
        {
            var head = new byte[4];
            using (var first = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                first.CancelAfter(TimeSpan.FromSeconds(10));
                if (!await ReceiveExactlyAsync(conn.Socket, head, first.Token).ConfigureAwait(false)) return;
            }
            var word = Encoding.ASCII.GetString(head);
            if (word == BenchControl.DataMagic)
            {
                var cookieBytes = new byte[BenchControl.DataPreambleLength - 4];
                if (!await ReceiveExactlyAsync(conn.Socket, cookieBytes, ct).ConfigureAwait(false)) return;
                var cookie = Encoding.ASCII.GetString(cookieBytes);
                if (!_tcp.TryGetValue(cookie, out var session))
                {
                    _observer?.Problem(peer, "a data connection for an unknown session");
                    return;
                }
                var stream = session.TryAddStream(conn, ClientOf(conn));
                if (stream is null)
                {
                    _observer?.Problem(peer, "a data connection beyond the streams its session asked for, or from another client");
                    return;
                }
                // The session owns the stream's socket until it ends (it sends on it later, with --reverse): this
                // connection, which closes the socket when it returns, lasts as long.
                await stream.ConfigureAwait(false);
                await session.Ended.ConfigureAwait(false);
                return;
            }
            if (word != BenchControl.Magic[..4])
            {
                _observer?.Problem(peer, "a connection that does not speak the sock bench protocol");
                return;
            }
            var rest = await BenchControl.ReadLineAsync(conn.Socket, ct, BenchControl.MaxRequestLine).ConfigureAwait(false);
            var line = word + rest;
            if (!line.StartsWith(BenchControl.Magic + " ", StringComparison.Ordinal))
            {
                _observer?.Problem(peer, "a connection that does not speak the sock bench protocol");
                return;
            }
            var (kind, fields) = BenchControl.Parse(line[(BenchControl.Magic.Length + 1)..]);
            _observer?.SessionStarted(peer, line[(BenchControl.Magic.Length + 1)..]);
            BenchServerSession? result = kind switch
            {
                "TCP" => await TcpControlAsync(conn, peer, ClientOf(conn), fields, ct).ConfigureAwait(false),
                "UDP" => await UdpControlAsync(conn, peer, ClientOf(conn), fields, ct).ConfigureAwait(false),
                _ => null,
            };
            if (result is null && kind is not ("TCP" or "UDP"))
                await BenchControl.WriteLineAsync(conn.Socket, $"{BenchControl.Magic} ERR unknown kind {kind}", ct).ConfigureAwait(false);
            if (result is not null)
            {
                _observer?.SessionEnded(result);
                _firstSession?.TrySetResult();
            }
        }
        catch (Exception ex) when (ex is SocketException or SockException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            if (!ct.IsCancellationRequested) _observer?.Problem(peer, ex.Message);
        }
    }

    private async Task<BenchServerSession?> TcpControlAsync(TracedSocket control, string peer, string client, Dictionary<string, string> f, CancellationToken ct)
    {
        var cookie = f.GetValueOrDefault("cookie") ?? "";
        if (cookie.Length != BenchControl.DataPreambleLength - 4)
        {
            await RefuseAsync(control, peer, "bad cookie", ct).ConfigureAwait(false);
            return null;
        }
        var refusal = CheckRequest(f, out var streams, out var size, out var duration, out var count, out var warmup, out var interval);
        if (refusal is null && (refusal = Reserve(client, streams)) is null)
        {
            try
            {
                return await TcpSessionAsync(control, peer, client, cookie, streams, f.GetValueOrDefault("reverse") == "1", size, duration, count, warmup, interval, ct).ConfigureAwait(false);
            }
            finally
            {
                Release(client, streams);
            }
        }
        await RefuseAsync(control, peer, refusal!, ct).ConfigureAwait(false);
        return null;
    }

    private async Task<BenchServerSession?> TcpSessionAsync(TracedSocket control, string peer, string client, string cookie, int streams, bool reverse, int size,
        TimeSpan duration, long count, TimeSpan warmup, TimeSpan interval, CancellationToken ct)
    {
        // The session's whole life is bounded: what it asked for, or the longest allowed for a count-only run, and a grace.
        using var life = CancellationTokenSource.CreateLinkedTokenSource(ct);
        life.CancelAfter((duration > TimeSpan.Zero ? duration + warmup : _limits.MaxDuration) + SessionGrace);
        var session = new TcpSession(streams, reverse, size, duration, count, warmup, interval, client,
            reverse ? TemplateOf(size) : [], _sink, _limits.MaxDuration, life.Token);
        if (!_tcp.TryAdd(cookie, session))
        {
            await RefuseAsync(control, peer, "cookie in use", ct).ConfigureAwait(false);
            return null;
        }
        try
        {
            await BenchControl.WriteLineAsync(control.Socket, $"{BenchControl.Magic} OK", life.Token).ConfigureAwait(false);
            while (true)
            {
                var line = await BenchControl.ReadLineAsync(control.Socket, life.Token, BenchControl.MaxRequestLine).ConfigureAwait(false);
                if (line is null) return null;
                var (word, _) = BenchControl.Parse(line);
                if (word == "START")
                {
                    session.EnsureStarted();
                    if (session.Reverse) session.StartSending();
                }
                else if (word == "DONE")
                {
                    break;
                }
            }
            await session.WaitForStreamsAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            var (bytes, seconds, intervals) = session.Result();
            await BenchControl.WriteLineAsync(control.Socket, string.Create(CultureInfo.InvariantCulture,
                $"RESULT bytes={bytes} seconds={seconds:0.######} intervals={BenchControl.Join(intervals)}"), life.Token).ConfigureAwait(false);
            return new BenchServerSession(peer, control.Socket.AddressFamily == AddressFamily.Unix ? "unix" : "tcp", session.Streams, session.Reverse, bytes, Math.Round(seconds, 3),
                seconds > 0 ? Math.Round(bytes * 8 / seconds / 1e9, 3) : 0, null);
        }
        catch (OperationCanceledException) when (life.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            _observer?.Problem(peer, "session closed: it ran past the time it asked for (or the server's --max-duration)");
            return null;
        }
        finally
        {
            _tcp.TryRemove(cookie, out _);
            session.CloseAll();
        }
    }

    /// <summary>Checks a TCP request's figures against the limits; the refusal to send, or null when they are within them.</summary>
    private string? CheckRequest(Dictionary<string, string> f, out int streams, out int size, out TimeSpan duration, out long count,
        out TimeSpan warmup, out TimeSpan interval)
    {
        streams = 0;
        size = 0;
        duration = warmup = interval = TimeSpan.Zero;
        count = 0;
        foreach (var key in (string[])["streams", "size", "duration_ms", "count", "warmup_ms", "interval_ms"])
        {
            if (f.TryGetValue(key, out var text) && !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                return $"{key}={Clip(text)} is not a number of 0 or more";
        }
        var wantStreams = BenchControl.Number(f, "streams", 1);
        var wantSize = BenchControl.Number(f, "size", 128 * 1024);
        var durationMs = BenchControl.Number(f, "duration_ms");
        var warmupMs = BenchControl.Number(f, "warmup_ms");
        if (wantStreams < 1) return "streams must be at least 1";
        if (wantStreams > _limits.MaxStreams)
            return string.Create(CultureInfo.InvariantCulture, $"{wantStreams} streams asked, more than this server's limit of {_limits.MaxStreams} (--max-streams)");
        if (wantSize < 1) return "size must be at least 1 byte";
        if (wantSize > _limits.MaxBuffer)
            return string.Create(CultureInfo.InvariantCulture, $"size {wantSize} asked, more than this server's limit of {_limits.MaxBuffer} bytes (--max-buffer)");
        var maxMs = (long)_limits.MaxDuration.TotalMilliseconds;
        if (durationMs > maxMs || warmupMs > maxMs || durationMs + warmupMs > maxMs)
            return string.Create(CultureInfo.InvariantCulture,
                $"{(durationMs + warmupMs) / 1000.0:0.###}s of measuring asked, longer than this server's limit of {maxMs / 1000.0:0.###}s (--max-duration)");
        streams = (int)wantStreams;
        size = (int)wantSize;
        duration = TimeSpan.FromMilliseconds(durationMs);
        warmup = TimeSpan.FromMilliseconds(warmupMs);
        count = BenchControl.Number(f, "count");
        interval = TimeSpan.FromMilliseconds(Math.Clamp(BenchControl.Number(f, "interval_ms", 1000), 10, 3600_000));
        return null;
    }

    private static string Clip(string text) => text.Length <= 20 ? text : text[..20] + "...";

    /// <summary>Counts <paramref name="streams"/> more against <paramref name="client"/>; the refusal when that passes the limit.</summary>
    private string? Reserve(string client, int streams)
    {
        lock (_accounting)
        {
            var held = _streamsByClient.GetValueOrDefault(client);
            if (held + streams > _limits.MaxStreams)
                return string.Create(CultureInfo.InvariantCulture,
                    $"{streams} more stream(s) asked with {held} running, more than this server's limit of {_limits.MaxStreams} per client (--max-streams)");
            _streamsByClient[client] = held + streams;
            return null;
        }
    }

    private void Release(string client, int streams)
    {
        lock (_accounting)
        {
            var left = _streamsByClient.GetValueOrDefault(client) - streams;
            if (left > 0) _streamsByClient[client] = left;
            else _streamsByClient.Remove(client);
        }
    }

    /// <summary>Streams held by clients right now, all together (for tests and status).</summary>
    public int StreamsInUse
    {
        get
        {
            lock (_accounting) return _streamsByClient.Values.Sum();
        }
    }

    /// <summary>One read-only message template for every sending stream: the largest size asked so far (within the limit), sliced.</summary>
    private byte[] TemplateOf(int size)
    {
        lock (_accounting)
        {
            if (_template.Length < size)
                _template = BenchMessage.Template((int)Math.Min(_limits.MaxBuffer, Math.Max(128 * 1024, (long)BitOperations.RoundUpToPowerOf2((uint)size))));
            return _template;
        }
    }

    /// <summary>Who a connection comes from, for counting: its address (IPv4-mapped written as IPv4), or "unix" for every local client.</summary>
    private static string ClientOf(TracedSocket conn) => conn.Socket.RemoteEndPoint switch
    {
        IPEndPoint ip => (ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address).ToString(),
        _ => "unix",
    };

    private async Task RefuseAsync(TracedSocket control, string peer, string reason, CancellationToken ct)
    {
        _observer?.Problem(peer, "refused: " + reason);
        await BenchControl.WriteLineAsync(control.Socket, $"{BenchControl.Magic} ERR {reason}", ct).ConfigureAwait(false);
    }

    private async Task<BenchServerSession?> UdpControlAsync(TracedSocket control, string peer, string client, Dictionary<string, string> f, CancellationToken ct)
    {
        if (_udpLocal is null)
        {
            await BenchControl.WriteLineAsync(control.Socket, $"{BenchControl.Magic} ERR UDP is off here (start the server with --udp)", ct).ConfigureAwait(false);
            return null;
        }
        if (Reserve(client, 1) is { } refusal)
        {
            await RefuseAsync(control, peer, refusal, ct).ConfigureAwait(false);
            return null;
        }
        try
        {
            return await UdpSessionAsync(control, peer, f, ct).ConfigureAwait(false);
        }
        finally
        {
            Release(client, 1);
        }
    }

    private async Task<BenchServerSession?> UdpSessionAsync(TracedSocket control, string peer, Dictionary<string, string> f, CancellationToken ct)
    {
        if (!uint.TryParse(f.GetValueOrDefault("cookie"), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var cookie) || !_udpSessions.TryAdd(cookie, new UdpSession()))
        {
            await BenchControl.WriteLineAsync(control.Socket, $"{BenchControl.Magic} ERR bad cookie", ct).ConfigureAwait(false);
            return null;
        }
        using var life = CancellationTokenSource.CreateLinkedTokenSource(ct);
        life.CancelAfter(_limits.MaxDuration + SessionGrace);
        try
        {
            await BenchControl.WriteLineAsync(control.Socket, $"{BenchControl.Magic} OK", ct).ConfigureAwait(false);
            long sent = 0;
            while (true)
            {
                var line = await BenchControl.ReadLineAsync(control.Socket, life.Token, BenchControl.MaxRequestLine).ConfigureAwait(false);
                if (line is null) return null;
                var (word, fields) = BenchControl.Parse(line);
                if (word != "DONE") continue;
                sent = BenchControl.Number(fields, "sent");
                break;
            }
            // Datagrams still in flight (or in the socket buffer) get a moment to be counted.
            await Task.Delay(300, ct).ConfigureAwait(false);
            var session = _udpSessions[cookie];
            var s = session.Stats.Snapshot();
            var bytes = Interlocked.Read(ref session.Bytes);
            var seconds = session.Seconds;
            await BenchControl.WriteLineAsync(control.Socket, string.Create(CultureInfo.InvariantCulture,
                $"RESULT received={s.Received} delivered={s.Delivered} duplicated={s.Duplicated} reordered={s.Reordered} jitter_ns={s.JitterNanos:0.###} bytes={bytes}"), ct).ConfigureAwait(false);
            var lost = Math.Max(0, sent - s.Delivered);
            var udp = new UdpSummary(sent, s.Received, s.Delivered, lost, sent == 0 ? 0 : Math.Round(100.0 * lost / sent, 3), s.Reordered, s.Duplicated,
                Math.Round(s.JitterNanos / 1e6, 6), "server");
            return new BenchServerSession(peer, "udp", 1, false, bytes, Math.Round(seconds, 3), seconds > 0 ? Math.Round(bytes * 8 / seconds / 1e9, 3) : 0, udp);
        }
        catch (OperationCanceledException) when (life.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            _observer?.Problem(peer, "session closed: it ran past the server's --max-duration");
            return null;
        }
        finally
        {
            _udpSessions.TryRemove(cookie, out _);
        }
    }

    /// <summary>One datagram of a UDP measurement: counted against its session (by the cookie in it); anything else is dropped.</summary>
    private ValueTask OnDatagram(ReceivedDatagram datagram)
    {
        var arrival = BenchRun.Nanos(BenchRun.Now);
        if (!UdpDatagram.TryRead(datagram.Payload.Span, out var cookie, out var seq, out var sentNanos)) return default;
        if (!_udpSessions.TryGetValue(cookie, out var session)) return default;
        session.Stats.Record(seq, sentNanos, arrival);
        Interlocked.Add(ref session.Bytes, datagram.Payload.Length);
        session.Seen(arrival);
        return default;
    }

    private static async Task<bool> ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken ct)
    {
        while (buffer.Length > 0)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct).ConfigureAwait(false);
            if (n == 0) return false;
            buffer = buffer[n..];
        }
        return true;
    }

    /// <summary>Stops serving and closes the sockets.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_server is not null) await _server.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private sealed class UdpSession
    {
        public readonly UdpSequenceStats Stats = new();
        public long Bytes;
        private long _first;
        private long _last;

        public void Seen(long nanos)
        {
            Interlocked.CompareExchange(ref _first, nanos, 0);
            Volatile.Write(ref _last, nanos);
        }

        public double Seconds => Math.Max(0, (Volatile.Read(ref _last) - Volatile.Read(ref _first)) / 1e9);
    }

    private sealed class TcpSession(int streams, bool reverse, int size, TimeSpan duration, long count, TimeSpan warmup, TimeSpan interval,
        string client, byte[] template, byte[] sink, TimeSpan maxDuration, CancellationToken life)
    {
        public int Streams => streams;
        public bool Reverse => reverse;
        private int Size => size;
        private TimeSpan Duration => duration;
        private long Count => count;
        private TimeSpan Warmup => warmup;
        private TimeSpan Interval => interval;

        private readonly List<TracedSocket> _sockets = [];
        private readonly List<Task> _streamTasks = [];
        private readonly TaskCompletionSource _allConnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly long[] _buckets = new long[4096];
        private long _measureStart = long.MaxValue;
        private long _bytes;
        private long _lastByte;
        private int _sending;

        /// <summary>Starts the clock at START or at the first data byte, whichever the server sees first; one atomic step.</summary>
        public void EnsureStarted() =>
            Interlocked.CompareExchange(ref _measureStart, BenchRun.Now + BenchRun.Ticks(Warmup), long.MaxValue);

        /// <summary>
        /// Takes a data connection, or refuses it (null) when the session has all the streams it asked for or the
        /// connection comes from another client than the session's.
        /// </summary>
        public Task? TryAddStream(TracedSocket socket, string from)
        {
            Task task;
            lock (_sockets)
            {
                if (_sockets.Count >= Streams || from != client || life.IsCancellationRequested) return null;
                _sockets.Add(socket);
                task = Reverse ? _allConnected.Task : Task.Run(() => ReceiveAsync(socket, life), CancellationToken.None);
                if (!Reverse) _streamTasks.Add(task);
                if (_sockets.Count >= Streams) _allConnected.TrySetResult();
            }
            return task;
        }

        private async Task ReceiveAsync(TracedSocket traced, CancellationToken ct)
        {
            var socket = traced.Socket;
            var buffer = sink.AsMemory();
            try
            {
                while (true)
                {
                    var n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct).ConfigureAwait(false);
                    if (n == 0) break;
                    if (Volatile.Read(ref _measureStart) == long.MaxValue) EnsureStarted();
                    AddBytes(n);
                }
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }

        private void AddBytes(long n)
        {
            var now = BenchRun.Now;
            var from = Volatile.Read(ref _measureStart);
            if (now < from) return;
            Interlocked.Add(ref _bytes, n);
            var index = (int)Math.Min(_buckets.Length - 1, (now - from) / Math.Max(1, BenchRun.Ticks(Interval)));
            Interlocked.Add(ref _buckets[index], n);
            Volatile.Write(ref _lastByte, now);
        }

        public void StartSending()
        {
            var ct = life;
            if (Interlocked.Exchange(ref _sending, 1) != 0) return;
            var started = Task.Run(async () =>
            {
                await Task.WhenAny(_allConnected.Task, Task.Delay(TimeSpan.FromSeconds(5), ct)).ConfigureAwait(false);
                List<TracedSocket> streams;
                lock (_sockets) streams = [.. _sockets];
                var end = Duration > TimeSpan.Zero ? Volatile.Read(ref _measureStart) + BenchRun.Ticks(Duration) : long.MaxValue;
                // Count-only runs are still bounded: the server's longest measurement at most.
                if (end == long.MaxValue) end = BenchRun.Now + BenchRun.Ticks(maxDuration);
                var perStream = Count > 0 ? (Count + streams.Count - 1) / streams.Count : long.MaxValue;
                await Task.WhenAll(streams.Select(s => Task.Run(() => SendAsync(s, end, perStream, ct), CancellationToken.None))).ConfigureAwait(false);
            }, CancellationToken.None);
            lock (_sockets) _streamTasks.Add(started);
        }

        private async Task SendAsync(TracedSocket traced, long end, long budget, CancellationToken ct)
        {
            var socket = traced.Socket;
            // The shared template, cut to this session's size: the same bytes BenchMessage.Template(Size) would make.
            var buffer = new ArraySegment<byte>(template, 0, Size);
            try
            {
                long warmupBytes = 0;
                while (BenchRun.Now < end && budget > 0)
                {
                    var inWarmup = BenchRun.Now < Volatile.Read(ref _measureStart);
                    var want = inWarmup ? buffer.Count : (int)Math.Min(buffer.Count, budget);
                    var n = await socket.SendAsync(buffer.AsMemory(0, want), SocketFlags.None, ct).ConfigureAwait(false);
                    if (inWarmup) warmupBytes += n;
                    else
                    {
                        budget -= n;
                        AddBytes(n);
                    }
                }
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }

        public async Task WaitForStreamsAsync(TimeSpan limit)
        {
            Task[] tasks;
            lock (_sockets) tasks = [.. _streamTasks];
            await Task.WhenAny(Task.WhenAll(tasks), Task.Delay(limit)).ConfigureAwait(false);
        }

        public (long Bytes, double Seconds, List<long> Intervals) Result()
        {
            var from = Volatile.Read(ref _measureStart);
            var last = Volatile.Read(ref _lastByte);
            var seconds = from == long.MaxValue || last < from ? 0 : BenchRun.Seconds(last - from);
            var used = last < from || from == long.MaxValue ? 0 : (int)Math.Min(_buckets.Length, (last - from) / Math.Max(1, BenchRun.Ticks(Interval)) + 1);
            return (Interlocked.Read(ref _bytes), seconds, _buckets.Take(used).Select(b => Interlocked.Read(ref b)).ToList());
        }

        /// <summary>Completes once the session has ended and closed its streams.</summary>
        public Task Ended => _ended.Task;

        public void CloseAll()
        {
            lock (_sockets)
                foreach (var s in _sockets) s.Dispose();
            _ended.TrySetResult();
        }
    }
}

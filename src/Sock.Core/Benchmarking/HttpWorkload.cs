using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Http;
using Sock.Core.Sockets;
using Sock.Core.Tls;
using Sock.Core.Tracing;

namespace Sock.Core.Benchmarking;

/// <summary>
/// HTTP/1.1 load as wrk makes it: each connection keeps its requests in flight (one, or --pipeline N written back to
/// back), reads each response off the stream with <see cref="HttpResponseReader"/> — the body skipped, never kept — and
/// sends the next as soon as one is answered. The request is written out once. A connection the server closes (an
/// HTTP/1.0 server after each response, Connection: close) is opened again; requests it left unanswered are failures
/// of kind "closed" unless the server said it would close, in which case they are sent again. With --rate each
/// request has an intended send time and its latency counts from then.
/// </summary>
internal sealed partial class HttpWorkload : BenchWorkload
{
    /// <summary>How long requests still in flight when the run ends may take to be answered before their connection is closed.</summary>
    private static readonly TimeSpan DrainTime = TimeSpan.FromSeconds(1);

    private BenchOptions _options = null!;
    private HttpBenchTarget _http = null!;
    private SocketTrace? _trace;
    private byte[] _batch = [];
    private int _requestLength;
    private bool _head;
    private string _target = "";
    private HttpBenchTally[] _tallies = [];
    private readonly List<Link?> _first = [];
    private readonly Lock _open = new();
    private readonly HashSet<Link> _links = [];

    public override string Peer => "HTTP server";

    public override int InFlight => _http.Pipeline;

    public override async Task SetupAsync(BenchOptions options, SocketTrace? trace, CancellationToken cancellationToken)
    {
        _options = options;
        _http = options.Http!;
        _trace = trace;
        var request = HttpRequestBytes.Build(_http);
        _requestLength = request.Length;
        _batch = new byte[request.Length * _http.Pipeline];
        for (var i = 0; i < _http.Pipeline; i++) request.CopyTo(_batch, i * request.Length);
        _head = HttpRequestBytes.Method(_http) == "HEAD";
        _target = options.Target is System.Net.IPEndPoint ? $"{_http.Url.Scheme}://{EndpointText.Format(options.Target)}" : EndpointText.Format(options.Target);
        _tallies = [.. Enumerable.Range(0, options.Connections).Select(_ => new HttpBenchTally())];
        // Every connection is opened before the clock starts, as the other modes do: a server that refuses fails the
        // run at once, with the usual one line.
        if (UsesEpoll)
        {
            // Blocking connects: a socket that never made an asynchronous call is not in .NET's epoll set, whose thread
            // would otherwise wake (and hand work to the thread pool) at every edge the epoll path reads.
            foreach (var socket in await Task.Run(() => BenchConnector.ConnectManyBlocking(options.Target, options.Connections, trace, options.ConnectTimeout), cancellationToken).ConfigureAwait(false))
            {
                var link = new Link(socket, new NetworkStream(socket.Socket, ownsSocket: false));
                lock (_open) _links.Add(link);
                _first.Add(link);
            }
            return;
        }
        for (var i = 0; i < options.Connections; i++) _first.Add(await ConnectAsync(cancellationToken).ConfigureAwait(false));
    }

    public override Task RunAsync(BenchRun run) => UsesEpoll
        ? RunEpollAsync(run)
        : Task.WhenAll(Enumerable.Range(0, _options.Connections).Select(i => Task.Run(() => ConnectionAsync(run, i))));

    public override Task FinishAsync(BenchRun run, CancellationToken cancellationToken)
    {
        Http = HttpBenchTally.Sum(_tallies, "HTTP/1.1", "sock");
        return Task.CompletedTask;
    }

    /// <summary>One connection of the run: a socket and the stream over it (the socket's own, or TLS).</summary>
    private sealed class Link(TracedSocket socket, Stream stream) : IDisposable
    {
        public TracedSocket Socket { get; } = socket;
        public Stream Stream { get; } = stream;

        public void Dispose()
        {
            Stream.Dispose();
            Socket.Dispose();
        }
    }

    private async Task<Link> ConnectAsync(CancellationToken ct)
    {
        var socket = await BenchConnector.ConnectAsync(_options.Target, _trace, _options.ConnectTimeout, ct).ConfigureAwait(false);
        try
        {
            Stream stream = _http.Url.Scheme == "https"
                ? await TlsAsync(socket, ct).ConfigureAwait(false)
                : _trace is not null ? new TracedSocketStream(socket) : new NetworkStream(socket.Socket, ownsSocket: false);
            var link = new Link(socket, stream);
            lock (_open) _links.Add(link);
            return link;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private Task<SslStream> TlsAsync(TracedSocket socket, CancellationToken ct)
    {
        string? why = null;
        var host = _http.Url.IdnHost;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = host,
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, _, chain, errors) =>
            {
                if (_http.Insecure || errors == SslPolicyErrors.None) return true;
                why = (errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0
                    ? $"the certificate is not trusted ({TlsHandshake.ChainProblem(chain)}; --cacert names the roots to trust, --insecure skips the check)"
                    : $"the certificate is not for {host} (--insecure skips the check)";
                return false;
            },
        };
        if (_http.TrustFile is { } file && !_http.Insecure) options.CertificateChainPolicy = TlsHandshake.TrustOnly(file, "--cacert");
        return TlsHandshake.RunAsync(socket, (s, t) => s.AuthenticateAsClientAsync(options, t), EndpointText.Format(_options.Target),
            _options.ConnectTimeout, () => why, ct);
    }

    private void Close(Link link)
    {
        lock (_open) _links.Remove(link);
        link.Dispose();
    }

    private async Task ConnectionAsync(BenchRun run, int index)
    {
        var tally = _tallies[index];
        var depth = _http.Pipeline;
        // The requests in flight, oldest first: when each was sent (or meant to be) and whether it counts.
        var sentAt = new long[depth];
        var counts = new bool[depth];
        var buffer = new byte[64 * 1024];
        var link = _first[index];
        _first[index] = null;
        long seq = 0;
        while (!run.Stopping.IsCancellationRequested)
        {
            if (link is null)
            {
                if (!run.Going) break;
                try
                {
                    link = await ConnectAsync(run.Stopping).ConfigureAwait(false);
                    lock (tally) tally.Reconnects++;
                }
                catch (Exception ex) when (ex is SockException or OperationCanceledException)
                {
                    if (run.Stopping.IsCancellationRequested) break;
                    // The request that was due could not go: one failure of kind "connect". A short pause keeps a
                    // refusing server from being hammered in a tight loop.
                    if (run.Take(1, out var measured) == 1 && measured) Fail(run, tally, "connect", 1, ex.Message);
                    await Task.Delay(10).ConfigureAwait(false);
                    continue;
                }
            }
            var reader = new HttpResponseReader { HeadRequest = _head };
            int head = 0, inFlight = 0, start = 0, end = 0;
            var reusable = true;
            var reading = false;
            var current = link;
            // When the run ends, requests in flight get DrainTime to be answered; then their connection is closed under them.
            using var drain = run.Stopping.Register(() => _ = Task.Delay(DrainTime).ContinueWith(_ => { if (Volatile.Read(ref inFlight) > 0) Close(current); }, TaskScheduler.Default));
            try
            {
                while (true)
                {
                    // Send as many as the window has room for (open loop: one, when it is due).
                    var room = reusable && !run.Stopping.IsCancellationRequested ? depth - inFlight : 0;
                    if (room > 0)
                    {
                        long? intended = null;
                        if (_options.Rate is not null)
                        {
                            room = inFlight == 0 ? 1 : 0;
                            if (room == 1)
                            {
                                intended = run.IntendedTicks(index, seq);
                                await run.WaitUntilAsync(intended!.Value).ConfigureAwait(false);
                            }
                        }
                        var measured = false;
                        var k = room > 0 && !run.Stopping.IsCancellationRequested ? run.Take(room, out measured) : 0;
                        if (k > 0)
                        {
                            var now = BenchRun.Now;
                            var from = intended is { } due && due < now ? due : now;
                            for (var i = 0; i < k; i++)
                            {
                                var slot = (head + inFlight + i) % depth;
                                sentAt[slot] = from;
                                counts[slot] = measured;
                            }
                            Volatile.Write(ref inFlight, inFlight + k);
                            seq += k;
                            reading = false;
                            await link.Stream.WriteAsync(_batch.AsMemory(0, k * _requestLength)).ConfigureAwait(false);
                            if (measured) run.Counters.AddSent(k * _requestLength);
                        }
                    }
                    if (inFlight == 0)
                    {
                        if (!reusable || !run.Going) break;
                        continue;
                    }
                    if (end == buffer.Length)
                    {
                        // Keep the unread part at the front; a head that fills the buffer alone is the reader's to refuse.
                        buffer.AsSpan(start, end - start).CopyTo(buffer);
                        end -= start;
                        start = 0;
                    }
                    reading = true;
                    var n = await link.Stream.ReadAsync(buffer.AsMemory(end)).ConfigureAwait(false);
                    if (n == 0)
                    {
                        if (reader.EndOfStream())
                        {
                            // A body that ran to the close: the server meant to close, and what was pipelined behind
                            // it is sent again on the next connection.
                            Answered(run, tally, reader.Status, sentAt[head], counts[head]);
                            inFlight = 0;
                            reusable = false;
                        }
                        // Requests the server left unanswered without having said it would close.
                        if (reusable) Fail(run, tally, "closed", Counted(counts, head, inFlight, depth), $"{_target} closed the connection with {inFlight} request(s) unanswered");
                        break;
                    }
                    if (run.Recording) run.Counters.AddReceived(n);
                    end += n;
                    while (inFlight > 0 && reusable)
                    {
                        var step = reader.Read(buffer.AsSpan(start, end - start), out var consumed);
                        start += consumed;
                        if (step == HttpResponseReader.Step.NeedMore) break;
                        if (step == HttpResponseReader.Step.Malformed)
                        {
                            Fail(run, tally, "malformed", Counted(counts, head, inFlight, depth), $"{_target}: {reader.Problem}");
                            inFlight = 0;
                            reusable = false;
                            break;
                        }
                        Answered(run, tally, reader.Status, sentAt[head], counts[head]);
                        head = (head + 1) % depth;
                        Volatile.Write(ref inFlight, inFlight - 1);
                        // The server said it closes after this one: what was pipelined behind it is sent again elsewhere.
                        if (!reader.KeepAlive)
                        {
                            inFlight = 0;
                            reusable = false;
                        }
                    }
                    if (start == end) start = end = 0;
                    if (!reusable && inFlight == 0 && !reader.ReadsUntilClose) break;
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or SockException or OperationCanceledException)
            {
                if (run.Stopping.IsCancellationRequested)
                {
                    lock (tally) tally.Unfinished += inFlight;
                }
                else
                {
                    Fail(run, tally, reading ? "read" : "write", Counted(counts, head, inFlight, depth), $"{_target}: {Describe(ex)}");
                }
            }
            Close(link);
            link = null;
        }
        if (link is not null) Close(link);
    }

    private static long Counted(bool[] counts, int head, int inFlight, int depth)
    {
        long n = 0;
        for (var i = 0; i < inFlight; i++) if (counts[(head + i) % depth]) n++;
        return n;
    }

    private static void Answered(BenchRun run, HttpBenchTally tally, int status, long sentAt, bool measured)
    {
        if (!measured) return;
        var latency = BenchRun.Now - sentAt;
        lock (tally) tally.Response(status);
        run.Counters.AddMessages(1);
        run.RecordLatency(BenchRun.Nanos(latency));
    }

    private static void Fail(BenchRun run, HttpBenchTally tally, string kind, long requests, string what)
    {
        if (requests <= 0) return;
        lock (tally) tally.Error(kind, requests);
        for (var i = 0; i < requests; i++) run.Error(what);
    }

    private static string Describe(Exception ex) => ex switch
    {
        SockException s => s.Reason,
        SocketException s => SocketErrorText.Describe(s.SocketErrorCode),
        IOException { InnerException: SocketException s } => SocketErrorText.Describe(s.SocketErrorCode),
        _ => "the connection failed",
    };

    public override ValueTask DisposeAsync()
    {
        List<Link> open;
        lock (_open) open = [.. _links];
        foreach (var l in open) Close(l);
        return ValueTask.CompletedTask;
    }
}

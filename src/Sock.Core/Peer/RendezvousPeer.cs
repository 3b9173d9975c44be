using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Sockets;
using Sock.Core.Stun;
using Sock.Core.Tracing;

namespace Sock.Core.Peer;

/// <summary>
/// `sock peer --rendezvous`: meets the other peer through a rendezvous and punches through the NATs in between, as
/// Ford, Srisuresh and Kegel describe. Everything goes from one local port: the registration (so the rendezvous sees
/// the public mapping of that port: the server-reflexive candidate), a probe to the rendezvous' second port (does the
/// NAT keep that mapping for another destination?), and the checks. UDP: both peers send HELLO to each of the other's
/// candidates at once, paced, and answer each HELLO with HELLO-ACK; a HELLO-ACK is a round trip, so that path works
/// both ways. TCP: both connect from the registered port to each candidate at once (SO_REUSEADDR and SO_REUSEPORT,
/// the listener on that port too) — the SYNs open each NAT for the other's, and the connection forms as a simultaneous
/// open — and both ends prove the session id before it counts. When no check succeeds, the failure says what each
/// check met and what the mappings suggest; with relay-ok on both sides the rendezvous relays instead.
/// </summary>
internal static class RendezvousPeer
{
    /// <summary>Between repeated protocol messages to the rendezvous over UDP.</summary>
    public static readonly TimeSpan Resend = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest a UDP peer goes between REGISTERs while it waits or checks (during the checks).</summary>
    public static readonly TimeSpan ReRegister = Resend * 2;

    /// <summary>How long to wait for the rendezvous to start relaying once asked.</summary>
    public static readonly TimeSpan RelayWait = TimeSpan.FromSeconds(15);

    /// <summary>Between UDP probes (three at most), and the wait for the last one's answer.</summary>
    private static readonly TimeSpan ProbeSpacing = TimeSpan.FromMilliseconds(250);

    private sealed class CheckStats(IPEndPoint endPoint, string kind)
    {
        public readonly IPEndPoint EndPoint = endPoint;
        public readonly string Kind = kind;
        public int Sent;
        public long LastSent = -1;
        public string? Outcome;
    }

    // ---------------- UDP ----------------

    public static async Task<PunchedPath> ConnectUdpAsync(RendezvousRequest request, SocketTrace? trace, Action<int, string> log, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var socket = SocketBinder.Open(request.Bind, SocketType.Dgram, new ListenSettings(), trace);
        try
        {
            var host = StunClient.LocalToward(socket, request.Rendezvous);
            var buffer = new byte[2048];
            var any = new IPEndPoint(request.Rendezvous.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(ct);
            waiting.CancelAfter(request.Wait);
            IPEndPoint? observed = null, seen = null;
            int? probePort = null;
            var probes = 0;
            var lastProbe = TimeSpan.Zero;
            PeerIntroduction? intro = null;
            var waitingSaid = false;
            var next = TimeSpan.Zero;
            Task<SocketReceiveFromResult>? receive = null;
            try
            {
                while (intro is null)
                {
                    if (clock.Elapsed >= next)
                    {
                        // Register first; probe the second port once the first answer names it; ask for the peer once the
                        // probe is answered (or given up), so the introduction carries this side's mapping.
                        var mappingKnown = seen is not null || (probePort is not null && probes >= 3 && clock.Elapsed >= lastProbe + ProbeSpacing)
                                           || (observed is not null && probePort is null);
                        if (observed is not null && probePort is { } pp && seen is null && probes < 3)
                        {
                            probes++;
                            lastProbe = clock.Elapsed;
                            await SendQuietlyAsync(socket, RendezvousMessage.Format(RendezvousMessage.Probe), new IPEndPoint(request.Rendezvous.Address, pp), waiting.Token).ConfigureAwait(false);
                        }
                        var register = RegisterLine(request, host, mappingKnown ? Mapping(observed, seen) ?? "unknown" : null, mappingKnown);
                        await SendQuietlyAsync(socket, register, request.Rendezvous, waiting.Token).ConfigureAwait(false);
                        next = clock.Elapsed + (observed is not null && seen is null && !mappingKnown ? ProbeSpacing : Resend);
                    }
                    receive ??= socket.ReceiveFromAsync(buffer, any, waiting.Token).AsTask();
                    var wait = next - clock.Elapsed;
                    if (wait > TimeSpan.Zero && await Task.WhenAny(receive, Task.Delay(wait, waiting.Token)).ConfigureAwait(false) != receive) continue;
                    if (!receive.IsCompleted) continue;
                    var r = await receive.ConfigureAwait(false);
                    receive = null;
                    if (!RendezvousMessage.TryParse(buffer.AsSpan(0, r.ReceivedBytes), out var m)) continue;
                    switch (m!.Verb)
                    {
                        case RendezvousMessage.Registered when observed is null:
                            observed = RendezvousMessage.ParseEndPoint(m.At(1));
                            probePort = int.TryParse(m.Value("probe-port"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null;
                            log(1, $"Registered as {request.Name} at {EndpointText.Format(request.Rendezvous)}: seen as {Show(observed)} (server-reflexive), host {EndpointText.Format(host)}");
                            next = TimeSpan.Zero;
                            break;
                        case RendezvousMessage.Seen when seen is null:
                            seen = RendezvousMessage.ParseEndPoint(m.At(0));
                            next = TimeSpan.Zero;
                            break;
                        case RendezvousMessage.Waiting when !waitingSaid:
                            waitingSaid = true;
                            log(1, $"Waiting for {request.To} to register");
                            break;
                        case RendezvousMessage.Intro:
                            if (PeerIntroduction.From(m) is { } i && i.Name == request.To) intro = i;
                            break;
                        case RendezvousMessage.Error:
                            throw new SockException(SockErrorKind.Network, "rendezvous", EndpointText.Format(request.Rendezvous), string.Join(' ', m.Words));
                    }
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw WaitFailed(request, observed);
            }
            finally
            {
                if (receive is not null) _ = receive.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            }
            log(1, MappingLine(observed, seen));
            log(1, $"Introduced to {intro.Name}: {Candidates(intro)}");
            var late = new StrongBox<IPEndPoint?>(seen);
            var introduced = new StrongBox<PeerIntroduction>(intro);
            var path = await CheckUdpAsync(socket, request, introduced, host, observed, late, buffer, any, clock, log, ct).ConfigureAwait(false);
            if (path.Failure is null) return path;
            // A repeated INTRO during the checks may have brought the peer's mapping.
            intro = introduced.Value!;
            // A probe answered during the checks still tells the mapping.
            seen = late.Value;
            var mapping = Mapping(observed, seen);
            var failure = Diagnose("UDP", request, intro, path.Failure, mapping, observed, seen);
            if (!request.RelayOk || !intro.RelayOk) throw Failed(request, failure, intro);
            log(1, $"No direct path ({failure}); asking {EndpointText.Format(request.Rendezvous)} to relay");
            await RelayUdpAsync(socket, request, buffer, any, ct).ConfigureAwait(false);
            await socket.ConnectAsync(request.Rendezvous, null, ct).ConfigureAwait(false);
            return new PunchedPath(socket, request.Rendezvous, "relay", null, intro.Session, clock.Elapsed, failure);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static byte[] RegisterLine(RendezvousRequest request, IPEndPoint host, string? mapping, bool ask) =>
        RendezvousMessage.Format(RendezvousMessage.Register, request.Name,
            ask ? "to=" + request.To : null,
            "host=" + RendezvousMessage.Word(host),
            mapping is null ? null : "mapping=" + mapping,
            request.RelayOk ? "relay-ok" : null);

    /// <summary>"independent" when the probe port saw the same public address as the rendezvous, "dependent" when not.</summary>
    private static string? Mapping(IPEndPoint? observed, IPEndPoint? seen) =>
        observed is null || seen is null ? null : observed.Equals(seen) ? "independent" : "dependent";

    /// <summary>
    /// The checks: a HELLO to every candidate each <see cref="DirectPeer.Pace"/>, HELLO-ACK to every HELLO; the first
    /// HELLO-ACK (a round trip) picks the path, as does the peer's stream arriving on one. A result with
    /// <see cref="PunchedPath.Failure"/> set when the time runs out.
    /// </summary>
    private static async Task<PunchedPath> CheckUdpAsync(TracedSocket socket, RendezvousRequest request, StrongBox<PeerIntroduction> introduced, IPEndPoint host, IPEndPoint? observed, StrongBox<IPEndPoint?> seen, byte[] buffer,
        IPEndPoint any, Stopwatch clock, Action<int, string> log, CancellationToken ct)
    {
        var intro = introduced.Value!;
        var stats = intro.Candidates().Select(c => new CheckStats(c.EndPoint, c.Kind)).ToList();
        var hello = PeerPacket.Control(PeerPacketType.Hello, intro.Session);
        var helloAck = PeerPacket.Control(PeerPacketType.HelloAck, intro.Session);
        var heard = new HashSet<IPEndPoint>();
        var started = clock.Elapsed;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stop.CancelAfter(request.Checks);
        var next = TimeSpan.Zero;
        // At once: the introduction may have come before this side's REGISTER with its mapping (the peer asked first),
        // and the peer learns the mapping only from an INTRO this REGISTER causes.
        var nextRegister = clock.Elapsed;
        Task<SocketReceiveFromResult>? receive = null;
        try
        {
            while (true)
            {
                if (clock.Elapsed >= next)
                {
                    foreach (var s in stats)
                    {
                        await SendQuietlyAsync(socket, hello, s.EndPoint, stop.Token).ConfigureAwait(false);
                        s.Sent++;
                        s.LastSent = clock.ElapsedTicks;
                    }
                    next = clock.Elapsed + DirectPeer.Pace;
                }
                if (clock.Elapsed >= nextRegister)
                {
                    // Keeps the rendezvous' mapping (and so the relay) alive, and brings the peer's mapping if it came late.
                    await SendQuietlyAsync(socket, RegisterLine(request, host, Mapping(observed, seen.Value), true), request.Rendezvous, stop.Token).ConfigureAwait(false);
                    nextRegister = clock.Elapsed + ReRegister;
                }
                receive ??= socket.ReceiveFromAsync(buffer, any, stop.Token).AsTask();
                var wait = next - clock.Elapsed;
                if (wait > TimeSpan.Zero && await Task.WhenAny(receive, Task.Delay(wait, stop.Token)).ConfigureAwait(false) != receive) continue;
                if (!receive.IsCompleted) continue;
                var r = await receive.ConfigureAwait(false);
                receive = null;
                var from = Plain(r.RemoteEndPoint);
                var packet = buffer.AsSpan(0, r.ReceivedBytes);
                if (RendezvousMessage.TryParse(packet, out var m))
                {
                    if (PeerIntroduction.From(m!) is { } again && again.Session == intro.Session && again.Mapping is not null) introduced.Value = intro = intro with { Mapping = again.Mapping };
                    if (m!.Verb == RendezvousMessage.Seen && seen.Value is null)
                    {
                        // The probe's answer came after the introduction: tell the rendezvous (and so the peer) the mapping now.
                        seen.Value = RendezvousMessage.ParseEndPoint(m.At(0));
                        nextRegister = clock.Elapsed;
                    }
                    continue;
                }
                if (!PeerPacket.TryType(packet, out var type)) continue;
                var control = type is PeerPacketType.Hello or PeerPacketType.HelloAck or PeerPacketType.Keepalive;
                if (control && PeerPacket.SessionOf(packet) != intro.Session) continue;
                var check = stats.FirstOrDefault(s => s.EndPoint.Equals(from));
                if (type == PeerPacketType.Hello)
                {
                    if (heard.Add(from)) log(2, $"Check from {EndpointText.Format(from)} ({check?.Kind ?? "peer-reflexive"}) arrived");
                    await SendQuietlyAsync(socket, helloAck, from, stop.Token).ConfigureAwait(false);
                    continue;
                }
                if (type == PeerPacketType.HelloAck || (type is PeerPacketType.Data or PeerPacketType.Ack && (check is not null || heard.Contains(from))))
                {
                    TimeSpan? rtt = type == PeerPacketType.HelloAck && check is { LastSent: >= 0 }
                        ? Stopwatch.GetElapsedTime(0, clock.ElapsedTicks - check.LastSent) : null;
                    // Twice, as one may be lost: the peer's checks end on it (its stream answers later HELLOs too).
                    await SendQuietlyAsync(socket, helloAck, from, ct).ConfigureAwait(false);
                    await SendQuietlyAsync(socket, helloAck, from, ct).ConfigureAwait(false);
                    await socket.ConnectAsync(from, null, ct).ConfigureAwait(false);
                    log(2, $"Checks: {string.Join(", ", stats.Select(s => $"{s.Sent} to {EndpointText.Format(s.EndPoint)} ({s.Kind})"))}; {(clock.Elapsed - started).TotalMilliseconds:0.#} ms");
                    return new PunchedPath(socket, from, check?.Kind ?? "peer-reflexive", rtt, intro.Session, clock.Elapsed, null);
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            var what = string.Join(", ", stats.Select(s => $"{s.Sent} to {EndpointText.Format(s.EndPoint)} ({s.Kind})"));
            var peerSide = heard.Count > 0
                ? $"{intro.Name}'s checks arrived from {string.Join(", ", heard.Select(EndpointText.Format))} but none of ours was answered"
                : $"none of {intro.Name}'s arrived";
            return new PunchedPath(socket, intro.ServerReflexive, "none", null, intro.Session, clock.Elapsed,
                $"no answer in {Durations.Format(request.Checks)} to {what} UDP checks; {peerSide}");
        }
        finally
        {
            if (receive is not null) _ = receive.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        }
    }

    private static async Task RelayUdpAsync(TracedSocket socket, RendezvousRequest request, byte[] buffer, IPEndPoint any, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stop.CancelAfter(RelayWait);
        var ask = RendezvousMessage.Format(RendezvousMessage.Relay, request.To);
        var clock = Stopwatch.StartNew();
        var next = TimeSpan.Zero;
        Task<SocketReceiveFromResult>? receive = null;
        try
        {
            while (true)
            {
                if (clock.Elapsed >= next)
                {
                    await SendQuietlyAsync(socket, ask, request.Rendezvous, stop.Token).ConfigureAwait(false);
                    next = clock.Elapsed + Resend;
                }
                receive ??= socket.ReceiveFromAsync(buffer, any, stop.Token).AsTask();
                var wait = next - clock.Elapsed;
                if (wait > TimeSpan.Zero && await Task.WhenAny(receive, Task.Delay(wait, stop.Token)).ConfigureAwait(false) != receive) continue;
                if (!receive.IsCompleted) continue;
                var r = await receive.ConfigureAwait(false);
                receive = null;
                if (!Plain(r.RemoteEndPoint).Equals(Plain(request.Rendezvous))) continue;
                if (!RendezvousMessage.TryParse(buffer.AsSpan(0, r.ReceivedBytes), out var m)) continue;
                if (m!.Verb == RendezvousMessage.Relaying) return;
                if (m.Verb == RendezvousMessage.Error)
                    throw new SockException(SockErrorKind.Network, "relay through", EndpointText.Format(request.Rendezvous), string.Join(' ', m.Words));
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SockException(SockErrorKind.Network, "relay through", EndpointText.Format(request.Rendezvous),
                $"{request.To} did not ask to be relayed within {Durations.Format(RelayWait)}", SocketError.TimedOut);
        }
        finally
        {
            if (receive is not null) _ = receive.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        }
    }

    private static async Task SendQuietlyAsync(TracedSocket socket, byte[] packet, IPEndPoint to, CancellationToken ct)
    {
        // An unreachable host candidate (another site's private address) is a failed check, not an error.
        try { await socket.SendToAsync(packet, to, ct).ConfigureAwait(false); }
        catch (SockException ex) when (ex.SocketError is SocketError.ConnectionRefused or SocketError.ConnectionReset or SocketError.HostUnreachable
                                           or SocketError.NetworkUnreachable or SocketError.AddressNotAvailable) { }
    }

    // ---------------- TCP ----------------

    public static async Task<PunchedPath> ConnectTcpAsync(RendezvousRequest request, SocketTrace? trace, Action<int, string> log, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(ct);
        waiting.CancelAfter(request.Wait);
        TracedSocket? control = null;
        IPEndPoint? observed = null, seen = null;
        try
        {
            control = await ConnectFromAsync(request.Bind, request.Rendezvous, trace, waiting.Token, retry: true).ConfigureAwait(false);
            var local = (IPEndPoint)control.Socket.LocalEndPoint!;
            await WriteLineAsync(control, RegisterLine(request, local, null, false), waiting.Token).ConfigureAwait(false);
            var registered = await ReadUntilAsync(control, request, RendezvousMessage.Registered, log, waiting.Token).ConfigureAwait(false);
            observed = RendezvousMessage.ParseEndPoint(registered.At(1));
            log(1, $"Registered as {request.Name} at {EndpointText.Format(request.Rendezvous)}: seen as {Show(observed)} (server-reflexive), host {EndpointText.Format(local)}");
            if (int.TryParse(registered.Value("probe-port"), NumberStyles.None, CultureInfo.InvariantCulture, out var probePort))
                seen = await ProbeTcpAsync(local, new IPEndPoint(request.Rendezvous.Address, probePort), trace, waiting.Token).ConfigureAwait(false);
            var mapping = Mapping(observed, seen);
            log(1, MappingLine(observed, seen));
            await WriteLineAsync(control, RegisterLine(request, local, mapping ?? "unknown", true), waiting.Token).ConfigureAwait(false);
            var introLine = await ReadUntilAsync(control, request, RendezvousMessage.Intro, log, waiting.Token).ConfigureAwait(false);
            var intro = PeerIntroduction.From(introLine) ?? throw new SockException(SockErrorKind.Network, "rendezvous", EndpointText.Format(request.Rendezvous), "a malformed introduction");
            log(1, $"Introduced to {intro.Name}: {Candidates(intro)}");
            var path = await CheckTcpAsync(local, request, intro, trace, clock, log, ct).ConfigureAwait(false);
            if (path.Failure is null)
            {
                control.Dispose();
                return path;
            }
            // A later INTRO (the peer asked after its own probe) carries the peer's mapping: read what has arrived.
            while (control.Socket.Available > 0 && await ReadLineAsync(control, ct).ConfigureAwait(false) is { } late)
                if (PeerIntroduction.From(late) is { } again && again.Session == intro.Session && again.Mapping is not null) intro = intro with { Mapping = again.Mapping };
            var failure = Diagnose("TCP", request, intro, path.Failure, mapping, observed, seen);
            if (!request.RelayOk || !intro.RelayOk) throw Failed(request, failure, intro);
            log(1, $"No direct path ({failure}); asking {EndpointText.Format(request.Rendezvous)} to relay");
            using var relayWait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            relayWait.CancelAfter(RelayWait);
            await WriteLineAsync(control, RendezvousMessage.Format(RendezvousMessage.Relay, request.To), relayWait.Token).ConfigureAwait(false);
            try { await ReadUntilAsync(control, request, RendezvousMessage.Relaying, log, relayWait.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new SockException(SockErrorKind.Network, "relay through", EndpointText.Format(request.Rendezvous),
                    $"{request.To} did not ask to be relayed within {Durations.Format(RelayWait)}", SocketError.TimedOut);
            }
            var relayed = new PunchedPath(control, request.Rendezvous, "relay", null, intro.Session, clock.Elapsed, failure);
            control = null;
            return relayed;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw WaitFailed(request, observed);
        }
        finally
        {
            control?.Dispose();
        }
    }

    /// <summary>A TCP socket from <paramref name="local"/> (shared: SO_REUSEADDR and SO_REUSEPORT) connected to <paramref name="remote"/>.</summary>
    private static async Task<TracedSocket> ConnectFromAsync(IPEndPoint local, IPEndPoint remote, SocketTrace? trace, CancellationToken ct, bool retry)
    {
        while (true)
        {
            var s = TracedSocket.Create(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp, trace);
            try
            {
                DirectPeer.ShareAddress(s);
                s.Bind(local);
                await s.ConnectAsync(remote, TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
                return s;
            }
            catch (SockException ex) when (retry && ex.SocketError is SocketError.ConnectionRefused or SocketError.TimedOut)
            {
                // The rendezvous is not up yet: paced retries until -w.
                s.Dispose();
            }
            catch
            {
                s.Dispose();
                throw;
            }
            await Task.Delay(DirectPeer.Pace, ct).ConfigureAwait(false);
        }
    }

    private static async Task<IPEndPoint?> ProbeTcpAsync(IPEndPoint local, IPEndPoint probe, SocketTrace? trace, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            using var s = await ConnectFromAsync(local, probe, trace, limit.Token, retry: false).ConfigureAwait(false);
            await WriteLineAsync(s, RendezvousMessage.Format(RendezvousMessage.Probe), limit.Token).ConfigureAwait(false);
            var m = await ReadLineAsync(s, limit.Token).ConfigureAwait(false);
            return m?.Verb == RendezvousMessage.Seen ? RendezvousMessage.ParseEndPoint(m.At(0)) : null;
        }
        catch (Exception ex) when (ex is SockException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return null; // no probe, no verdict on the mapping
        }
    }

    private static async Task WriteLineAsync(TracedSocket s, byte[] line, CancellationToken ct)
    {
        var framed = new byte[line.Length + 1];
        line.CopyTo(framed, 0);
        framed[^1] = (byte)'\n';
        await s.SendAsync(framed, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// One line, read a byte at a time: the rendezvous may relay the peer's bytes right after RELAYING, and those must
    /// stay in the socket for the stream. Null at end of stream.
    /// </summary>
    private static async Task<RendezvousMessage?> ReadLineAsync(TracedSocket s, CancellationToken ct)
    {
        var line = new List<byte>(128);
        var one = new byte[1];
        while (line.Count <= RendezvousMessage.MaxLength)
        {
            if (await s.ReceiveAsync(one, ct).ConfigureAwait(false) == 0) return null;
            if (one[0] == (byte)'\n') return RendezvousMessage.TryParse(line.ToArray(), out var m) ? m : new RendezvousMessage("?", []);
            line.Add(one[0]);
        }
        return new RendezvousMessage("?", []);
    }

    private static async Task<RendezvousMessage> ReadUntilAsync(TracedSocket s, RendezvousRequest request, string verb, Action<int, string> log, CancellationToken ct)
    {
        var waitingSaid = false;
        while (true)
        {
            var m = await ReadLineAsync(s, ct).ConfigureAwait(false)
                    ?? throw new SockException(SockErrorKind.Network, "rendezvous", EndpointText.Format(request.Rendezvous), "closed the connection");
            if (m.Verb == verb && (verb != RendezvousMessage.Intro || m.At(0) == request.To)) return m;
            if (m.Verb == RendezvousMessage.Error)
                throw new SockException(SockErrorKind.Network, "rendezvous", EndpointText.Format(request.Rendezvous), string.Join(' ', m.Words));
            if (m.Verb == RendezvousMessage.Waiting && !waitingSaid)
            {
                waitingSaid = true;
                log(1, $"Waiting for {request.To} to register");
            }
        }
    }

    /// <summary>
    /// The TCP checks: a listener on the registered port and a paced connect loop to each candidate from it; the first
    /// connection whose far end proves the session wins. A result with <see cref="PunchedPath.Failure"/> when time runs out.
    /// </summary>
    private static async Task<PunchedPath> CheckTcpAsync(IPEndPoint local, RendezvousRequest request, PeerIntroduction intro, SocketTrace? trace,
        Stopwatch clock, Action<int, string> log, CancellationToken ct)
    {
        var stats = intro.Candidates().Select(c => new CheckStats(c.EndPoint, c.Kind)).ToList();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stop.CancelAfter(request.Checks);
        using var listener = SocketBinder.Open(local, SocketType.Stream, new ListenSettings(ReusePort: SocketBinder.ReusePortSupported, Backlog: 4), trace);
        var attempts = new List<Task<(TracedSocket Socket, TimeSpan Rtt, CheckStats? Check)?>> { AcceptCheckAsync(listener, intro, stats, stop.Token) };
        attempts.AddRange(stats.Select(s => ConnectCheckAsync(local, s, intro, trace, log, stop.Token)));
        var pending = attempts.ToList();
        (TracedSocket Socket, TimeSpan Rtt, CheckStats? Check)? won = null;
        while (pending.Count > 0 && won is null)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            if (done.IsCompletedSuccessfully && done.Result is { } r) won = r;
        }
        await stop.CancelAsync().ConfigureAwait(false);
        foreach (var t in attempts)
        {
            try
            {
                if (await t.ConfigureAwait(false) is { } other && !ReferenceEquals(other.Socket, won?.Socket)) other.Socket.Dispose();
            }
            catch (Exception ex) when (ex is OperationCanceledException or SockException) { }
        }
        ct.ThrowIfCancellationRequested();
        if (won is { } w)
        {
            var remote = Plain(w.Socket.Socket.RemoteEndPoint!);
            var kind = w.Check?.Kind ?? stats.FirstOrDefault(s => s.EndPoint.Equals(remote))?.Kind ?? "peer-reflexive";
            return new PunchedPath(w.Socket, remote, kind, w.Rtt, intro.Session, clock.Elapsed, null);
        }
        var what = string.Join("; ", stats.Select(s => $"{s.Sent} connects to {EndpointText.Format(s.EndPoint)} ({s.Kind}): {s.Outcome ?? "no answer"}"));
        return new PunchedPath(listener, intro.ServerReflexive, "none", null, intro.Session, clock.Elapsed,
            $"no TCP connection in {Durations.Format(request.Checks)}: {what}; no connection from {intro.Name} arrived");
    }

    private static async Task<(TracedSocket, TimeSpan, CheckStats?)?> AcceptCheckAsync(TracedSocket listener, PeerIntroduction intro, List<CheckStats> stats, CancellationToken ct)
    {
        while (true)
        {
            var s = await listener.AcceptAsync(ct).ConfigureAwait(false);
            var rtt = await ProveAsync(s, intro.Session, ct).ConfigureAwait(false);
            if (rtt is { } t) return (s, t, null);
            s.Dispose();
        }
    }

    private static async Task<(TracedSocket, TimeSpan, CheckStats?)?> ConnectCheckAsync(IPEndPoint local, CheckStats check, PeerIntroduction intro, SocketTrace? trace,
        Action<int, string> log, CancellationToken ct)
    {
        while (true)
        {
            var s = TracedSocket.Create(check.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp, trace);
            try
            {
                DirectPeer.ShareAddress(s);
                s.Bind(local);
                check.Sent++;
                // A SYN the far NAT drops is retransmitted by the kernel; the peer's SYN meeting ours is the simultaneous open.
                await s.ConnectAsync(check.EndPoint, TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
                if (await ProveAsync(s, intro.Session, ct).ConfigureAwait(false) is { } rtt) return (s, rtt, check);
                check.Outcome = "answered by something that is not the peer";
                s.Dispose();
            }
            catch (SockException ex) when (ex.SocketError is { } e && e != SocketError.OperationAborted)
            {
                check.Outcome = ex.SocketError switch
                {
                    SocketError.ConnectionRefused => "refused (reset)",
                    SocketError.TimedOut => "timed out (the SYNs went unanswered)",
                    SocketError.HostUnreachable or SocketError.NetworkUnreachable => "unreachable",
                    SocketError.AddressAlreadyInUse or SocketError.AddressNotAvailable => "the connection exists already",
                    _ => ex.Reason,
                };
                s.Dispose();
                if (ex.SocketError is SocketError.AddressAlreadyInUse or SocketError.AddressNotAvailable)
                {
                    // The one connection between these two ports exists (the listener has it): nothing to retry.
                    await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
                }
                log(3, $"Connect to {EndpointText.Format(check.EndPoint)} ({check.Kind}): {check.Outcome}");
            }
            catch
            {
                s.Dispose();
                throw;
            }
            await Task.Delay(DirectPeer.Pace, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Both ends send the session id (8 bytes) and then one byte once they have read the other's: a connection counts
    /// only when the far end knows the session (a host candidate may lead to a stranger in another network). Returns
    /// the time from sending the id to reading the other's byte (a round trip), or null when the far end is not the peer.
    /// </summary>
    private static async Task<TimeSpan?> ProveAsync(TracedSocket s, ulong session, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromSeconds(3));
        var clock = Stopwatch.StartNew();
        var mine = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(mine, session);
        try
        {
            await s.SendAsync(mine, limit.Token).ConfigureAwait(false);
            var theirs = new byte[9];
            var got = 0;
            while (got < 8)
            {
                var n = await s.ReceiveAsync(theirs.AsMemory(got, 8 - got), limit.Token).ConfigureAwait(false);
                if (n == 0) return null;
                got += n;
            }
            if (!theirs.AsSpan(0, 8).SequenceEqual(mine)) return null;
            await s.SendAsync(new byte[] { 1 }, limit.Token).ConfigureAwait(false);
            if (await s.ReceiveAsync(theirs.AsMemory(8, 1), limit.Token).ConfigureAwait(false) != 1) return null;
            return clock.Elapsed;
        }
        catch (Exception ex) when (ex is SockException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return null;
        }
    }

    // ---------------- words ----------------

    private static IPEndPoint Plain(EndPoint ep)
    {
        var ip = (IPEndPoint)ep;
        return new IPEndPoint(RendezvousMessage.Normalize(ip.Address), ip.Port);
    }

    private static string MappingLine(IPEndPoint? observed, IPEndPoint? seen) => Mapping(observed, seen) switch
    {
        "independent" => $"The probe port saw {Show(seen)} too: this port keeps one public mapping for two destinations (endpoint-independent)",
        "dependent" => $"The probe port saw {Show(seen)}: the NAT gives this port a new public mapping per destination (address-and-port-dependent)",
        _ => "The probe port did not answer: the NAT's mapping behaviour is unknown",
    };

    private static string Show(IPEndPoint? ep) => ep is null ? "?" : EndpointText.Format(ep);

    private static string Candidates(PeerIntroduction intro) =>
        string.Join(", ", intro.Candidates().Select(c => $"{EndpointText.Format(c.EndPoint)} ({c.Kind})"));

    /// <summary>What the failed checks and the two mappings suggest about the NATs in between.</summary>
    internal static string Diagnose(string transport, RendezvousRequest request, PeerIntroduction intro, string checks, string? mapping, IPEndPoint? observed, IPEndPoint? seen)
    {
        var sb = new StringBuilder(checks);
        sb.Append("; ");
        if (mapping == "dependent")
            sb.Append(CultureInfo.InvariantCulture, $"this side's NAT gave one local port a new public port per destination ({Show(observed)} toward the rendezvous, {Show(seen)} toward its probe port): its mapping is address-and-port-dependent (a symmetric NAT), so {intro.Name}'s checks go to a port that leads nowhere and ours arrive from one {intro.Name}'s NAT never saw");
        else if (intro.Mapping == "dependent")
            sb.Append(CultureInfo.InvariantCulture, $"{intro.Name}'s NAT gives one local port a new public port per destination: its mapping is address-and-port-dependent (a symmetric NAT), so our checks go to a port that leads nowhere");
        else if (mapping == "independent" && intro.Mapping == "independent")
            sb.Append("both NATs kept one public port for two destinations (endpoint-independent mapping), yet the checks did not cross: a firewall drops them, or a NAT filters by more than the address and port it sent to");
        else
            sb.Append("the mappings could not both be probed; a NAT whose mapping changes per destination, or a firewall, stops the checks");
        if (!request.RelayOk || !intro.RelayOk)
            sb.Append(!request.RelayOk ? " (with --relay-ok on both sides the rendezvous relays instead)" : $" ({intro.Name} did not ask for --relay-ok, so no relay)");
        _ = transport;
        return sb.ToString();
    }

    private static SockException Failed(RendezvousRequest request, string failure, PeerIntroduction intro) =>
        new(SockErrorKind.Network, "peer", intro.Name + " via " + EndpointText.Format(request.Rendezvous), failure, SocketError.TimedOut);

    private static SockException WaitFailed(RendezvousRequest request, IPEndPoint? observed) =>
        observed is null
            ? new SockException(SockErrorKind.Network, "rendezvous", EndpointText.Format(request.Rendezvous), $"no answer in {Durations.Format(request.Wait)} (is sock rendezvous running there?)", SocketError.TimedOut)
            : new SockException(SockErrorKind.Network, "rendezvous", EndpointText.Format(request.Rendezvous), $"{request.To} did not register within {Durations.Format(request.Wait)}", SocketError.TimedOut);
}

using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Sock.Core.Connections;
using Sock.Core.Serving;

namespace Sock.Core.Peer;

/// <summary>What a rendezvous tells its operator (one line each under -v).</summary>
internal interface IRendezvousObserver
{
    void Registered(string transport, string name, IPEndPoint observed, IReadOnlyList<IPEndPoint> host);
    void Introduced(string transport, string a, IPEndPoint aObserved, string b, IPEndPoint bObserved);
    void Relaying(string transport, string a, string b);
    void Refused(string transport, IPEndPoint from, string why);
    void Expired(string transport, string name, IPEndPoint observed, TimeSpan silent);
}

/// <summary>
/// `sock rendezvous`: the server that introduces peers (docs/peer-protocol.md, "Rendezvous"). A peer registers a name
/// from the socket it will punch from; the server records the address it saw (the server-reflexive candidate) and the
/// host candidates the peer reports, and when a peer asks for another that is registered, both get each other's
/// candidates at once (INTRO, with a session id for their checks). A second port answers PROBE with the address it
/// saw, so a peer can tell whether its NAT keeps one mapping for two destinations. It carries no data unless both
/// peers registered with relay-ok and both ask for RELAY (after their direct checks failed): then it forwards their
/// peer datagrams (UDP) or splices their connections (TCP). UDP and TCP registrations are separate name spaces.
/// </summary>
internal sealed class RendezvousServer
{
    private readonly IRendezvousObserver? _observer;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _udp = [];
    private readonly Dictionary<string, Entry> _tcp = [];
    private readonly Dictionary<string, ulong> _sessions = [];
    private readonly Dictionary<IPEndPoint, IPEndPoint> _udpRelay = [];
    private IPEndPoint? _udpProbe, _tcpProbe;
    private long _controlIn, _controlOut, _relayed, _registrations, _introductions, _relays;

    public RendezvousServer(IRendezvousObserver? observer, TimeSpan? udpExpiry = null)
    {
        _observer = observer;
        _udpExpiry = udpExpiry ?? UdpExpiry;
    }

    /// <summary>
    /// A UDP registration is forgotten after this long without a REGISTER: three of a peer's longest re-register
    /// intervals, so two lost datagrams in a row do not drop a live peer, while a peer that has gone (its path made, or
    /// the process ended) is never introduced to anyone later, and the table does not grow without bound. TCP
    /// registrations last as long as their connection.
    /// </summary>
    public static readonly TimeSpan UdpExpiry = RendezvousPeer.ReRegister * 3;

    private readonly TimeSpan _udpExpiry;
    private long _nextSweep;

    /// <summary>Protocol bytes received (registrations, probes, relay requests).</summary>
    public long ControlBytesIn => Interlocked.Read(ref _controlIn);

    /// <summary>Protocol bytes sent (answers, introductions).</summary>
    public long ControlBytesOut => Interlocked.Read(ref _controlOut);

    /// <summary>Peer data bytes forwarded between relayed peers (each byte counted once, as received).</summary>
    public long RelayedBytes => Interlocked.Read(ref _relayed);

    /// <summary>REGISTER messages that named a new peer or a new address.</summary>
    public long Registrations => Interlocked.Read(ref _registrations);

    /// <summary>Pairs introduced (once per pair and session).</summary>
    public long Introductions => Interlocked.Read(ref _introductions);

    /// <summary>Pairs relayed.</summary>
    public long Relays => Interlocked.Read(ref _relays);

    private sealed class Entry(string name, IPEndPoint observed)
    {
        public string Name = name;
        public IPEndPoint Observed = observed;
        public long LastRegister = Environment.TickCount64;
        public List<IPEndPoint> Host = [];
        public string? To;
        public string? Mapping;
        public bool RelayOk;
        public bool WantsRelay;
        public Connection? Connection;
        public readonly SemaphoreSlim WriteLock = new(1, 1);
        public Entry? Partner;
        public readonly TaskCompletionSource PumpDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
        // Set once RELAYING has been written to both: no relayed byte may reach a peer before its RELAYING line.
        public readonly TaskCompletionSource RelayReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Serves UDP on <paramref name="endpoint"/> and probes on <paramref name="probe"/>; returns both bound addresses.</summary>
    public (IPEndPoint Main, IPEndPoint Probe) ListenUdp(SocketServer server, IPEndPoint endpoint, IPEndPoint probe, bool dualMode)
    {
        var main = (IPEndPoint)server.ListenDatagram("rendezvous", endpoint, OnDatagramAsync, dualMode);
        _udpProbe = (IPEndPoint)server.ListenDatagram("rendezvous-probe", probe, OnProbeDatagramAsync, dualMode);
        return (main, _udpProbe);
    }

    /// <summary>Serves TCP on <paramref name="endpoint"/> and probes on <paramref name="probe"/>; returns both bound addresses.</summary>
    public (IPEndPoint Main, IPEndPoint Probe) ListenTcp(SocketServer server, IPEndPoint endpoint, IPEndPoint probe, bool dualMode)
    {
        var main = (IPEndPoint)server.ListenStream("rendezvous", endpoint, ServeConnectionAsync, dualMode);
        _tcpProbe = (IPEndPoint)server.ListenStream("rendezvous-probe", probe, ServeProbeAsync, dualMode);
        return (main, _tcpProbe);
    }

    private static IPEndPoint Plain(EndPoint ep)
    {
        var ip = (IPEndPoint)ep;
        return new IPEndPoint(RendezvousMessage.Normalize(ip.Address), ip.Port);
    }

    // ---- UDP ----

    private async ValueTask OnProbeDatagramAsync(ReceivedDatagram d)
    {
        Interlocked.Add(ref _controlIn, d.Payload.Length);
        if (!RendezvousMessage.TryParse(d.Payload.Span, out var m) || m!.Verb != RendezvousMessage.Probe) return;
        await ReplyAsync(d, RendezvousMessage.Format(RendezvousMessage.Seen, RendezvousMessage.Word(Plain(d.Remote)))).ConfigureAwait(false);
    }

    private async ValueTask ReplyAsync(ReceivedDatagram d, byte[] line)
    {
        Interlocked.Add(ref _controlOut, line.Length);
        await d.ReplyAsync(line).ConfigureAwait(false);
    }

    private async ValueTask SendAsync(ReceivedDatagram d, byte[] line, IPEndPoint to)
    {
        Interlocked.Add(ref _controlOut, line.Length);
        await d.SendToAsync(line, to).ConfigureAwait(false);
    }

    private async ValueTask OnDatagramAsync(ReceivedDatagram d)
    {
        var from = Plain(d.Remote);
        var span = d.Payload.Span;
        if (span.Length > 0 && (span[0] & 0xC0) == 0xC0)
        {
            // A peer datagram: forwarded only between a pair that both asked to be relayed.
            IPEndPoint? to;
            lock (_gate) _udpRelay.TryGetValue(from, out to);
            if (to is null) return;
            Interlocked.Add(ref _relayed, span.Length);
            await d.SendToAsync(d.Payload, to).ConfigureAwait(false);
            return;
        }
        Interlocked.Add(ref _controlIn, span.Length);
        if (!RendezvousMessage.TryParse(span, out var m)) return;
        switch (m!.Verb)
        {
            case RendezvousMessage.Register:
            {
                ExpireUdp();
                var (answers, notices) = OnRegister("udp", m, from, null, out var error);
                if (error is not null)
                {
                    await ReplyAsync(d, RendezvousMessage.Format(RendezvousMessage.Error, error)).ConfigureAwait(false);
                    return;
                }
                foreach (var a in answers) await ReplyAsync(d, a).ConfigureAwait(false);
                foreach (var (to, line) in notices) await SendAsync(d, line, to.Observed).ConfigureAwait(false);
                return;
            }
            case RendezvousMessage.Relay:
            {
                var (reply, both, error) = OnRelay("udp", m, from);
                if (error is not null) await ReplyAsync(d, RendezvousMessage.Format(RendezvousMessage.Error, error)).ConfigureAwait(false);
                if (both is { } pair)
                {
                    await SendAsync(d, RendezvousMessage.Format(RendezvousMessage.Relaying, pair.B.Name), pair.A.Observed).ConfigureAwait(false);
                    await SendAsync(d, RendezvousMessage.Format(RendezvousMessage.Relaying, pair.A.Name), pair.B.Observed).ConfigureAwait(false);
                }
                _ = reply;
                return;
            }
            default:
                _observer?.Refused("udp", from, $"unknown message {m.Verb}");
                return;
        }
    }

    // ---- shared ----

    /// <summary>
    /// A registration: the answers to the sender, and the introductions to send to others. An INTRO goes to both
    /// peers whenever one asks for the other and both are registered (the same session while both stay put).
    /// </summary>
    private (List<byte[]> Answers, List<(Entry To, byte[] Line)> Notices) OnRegister(string transport, RendezvousMessage m, IPEndPoint from, Connection? connection, out string? error)
    {
        error = null;
        var answers = new List<byte[]>();
        var notices = new List<(Entry, byte[])>();
        var name = m.At(0);
        var to = m.Value("to");
        if (!RendezvousMessage.IsName(name) || (to is not null && !RendezvousMessage.IsName(to)))
        {
            error = "bad name (1-64 letters, digits, '.', '_', '-')";
            _observer?.Refused(transport, from, error);
            return (answers, notices);
        }
        var table = transport == "udp" ? _udp : _tcp;
        Entry entry;
        bool fresh;
        Entry? peer = null;
        string? introduce = null;
        lock (_gate)
        {
            fresh = !table.TryGetValue(name!, out var existing) || !existing.Observed.Equals(from);
            if (fresh || existing is null)
            {
                if (existing is not null && transport == "udp") RemoveUdpRelay(existing);
                entry = new Entry(name!, from) { Connection = connection };
                table[name!] = entry;
            }
            else entry = existing;
            entry.LastRegister = Environment.TickCount64;
            entry.Host = RendezvousMessage.ParseEndPoints(m.Value("host"));
            entry.RelayOk = m.Flag("relay-ok");
            entry.Mapping = m.Value("mapping") ?? entry.Mapping;
            entry.To = to;
            if (to is not null && table.TryGetValue(to, out peer)) introduce = SessionKey(entry, peer);
        }
        if (fresh)
        {
            Interlocked.Increment(ref _registrations);
            _observer?.Registered(transport, name!, from, entry.Host);
        }
        var probe = transport == "udp" ? _udpProbe : _tcpProbe;
        answers.Add(RendezvousMessage.Format(RendezvousMessage.Registered, name, RendezvousMessage.Word(from),
            probe is null ? null : "probe-port=" + probe.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (to is null) return (answers, notices);
        if (peer is null)
        {
            answers.Add(RendezvousMessage.Format(RendezvousMessage.Waiting, to));
            return (answers, notices);
        }
        bool first;
        ulong session;
        lock (_gate)
        {
            first = !_sessions.TryGetValue(transport + " " + introduce, out session);
            if (first)
            {
                session = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
                _sessions[transport + " " + introduce] = session;
            }
        }
        if (first)
        {
            Interlocked.Increment(ref _introductions);
            _observer?.Introduced(transport, entry.Name, entry.Observed, peer.Name, peer.Observed);
        }
        answers.Add(IntroOf(peer, session));
        notices.Add((peer, IntroOf(entry, session)));
        return (answers, notices);
    }

    /// <summary>
    /// Forgets the UDP registrations not renewed within the expiry (and their sessions), before a REGISTER is answered,
    /// so an INTRO never names a peer that has gone; at most once per tenth of the expiry. A pair being relayed stays:
    /// relayed peers no longer register.
    /// </summary>
    private void ExpireUdp()
    {
        var now = Environment.TickCount64;
        List<(Entry Entry, long Silent)>? expired = null;
        lock (_gate)
        {
            if (now < _nextSweep) return;
            _nextSweep = now + Math.Max(1, (long)_udpExpiry.TotalMilliseconds / 10);
            foreach (var e in _udp.Values)
                if (now - e.LastRegister >= (long)_udpExpiry.TotalMilliseconds && !_udpRelay.ContainsKey(e.Observed))
                    (expired ??= []).Add((e, now - e.LastRegister));
            if (expired is null) return;
            foreach (var (e, _) in expired)
            {
                _udp.Remove(e.Name);
                var key = e.Name + "@" + RendezvousMessage.Word(e.Observed);
                foreach (var session in _sessions.Keys.Where(k => k.StartsWith("udp ", StringComparison.Ordinal) && k[4..].Split(' ').Contains(key)).ToList())
                    _sessions.Remove(session);
            }
        }
        foreach (var (e, silent) in expired)
            _observer?.Expired("udp", e.Name, e.Observed, TimeSpan.FromMilliseconds(silent));
    }

    /// <summary>A pair's key: names and addresses, so the same two names registered again (a new run) are a new session.</summary>
    private static string SessionKey(Entry a, Entry b)
    {
        var x = a.Name + "@" + RendezvousMessage.Word(a.Observed);
        var y = b.Name + "@" + RendezvousMessage.Word(b.Observed);
        return string.CompareOrdinal(x, y) < 0 ? x + " " + y : y + " " + x;
    }

    private static byte[] IntroOf(Entry e, ulong session) =>
        RendezvousMessage.Format(RendezvousMessage.Intro, e.Name, RendezvousMessage.Hex(session), RendezvousMessage.Word(e.Observed),
            e.Host.Count > 0 ? "host=" + RendezvousMessage.WordList(e.Host) : null,
            e.Mapping is null ? null : "mapping=" + e.Mapping,
            e.RelayOk ? "relay-ok" : null);

    /// <summary>A RELAY request: refused unless both registered relay-ok; once both asked, the pair is returned.</summary>
    private (byte[]? Reply, (Entry A, Entry B)? Both, string? Error) OnRelay(string transport, RendezvousMessage m, IPEndPoint from)
    {
        var them = m.At(0);
        var table = transport == "udp" ? _udp : _tcp;
        lock (_gate)
        {
            var me = table.Values.FirstOrDefault(e => e.Observed.Equals(from));
            if (me is null) return (null, null, "not registered");
            if (them is null || !table.TryGetValue(them, out var peer)) return (null, null, $"{them} is not registered");
            if (!me.RelayOk) return (null, null, "relay refused: register with relay-ok to be relayed");
            if (!peer.RelayOk) return (null, null, $"relay refused: {them} did not register with relay-ok");
            me.WantsRelay = true;
            if (!peer.WantsRelay || me.Partner is not null) return (null, null, null);
            me.Partner = peer;
            peer.Partner = me;
            if (transport == "udp")
            {
                _udpRelay[me.Observed] = peer.Observed;
                _udpRelay[peer.Observed] = me.Observed;
            }
            Interlocked.Increment(ref _relays);
            _observer?.Relaying(transport, peer.Name, me.Name);
            return (null, (me, peer), null);
        }
    }

    private void RemoveUdpRelay(Entry e)
    {
        _udpRelay.Remove(e.Observed);
        if (e.Partner is { } p) _udpRelay.Remove(p.Observed);
    }

    // ---- TCP ----

    private async ValueTask ServeProbeAsync(Connection connection)
    {
        var line = await ReadLineAsync(connection).ConfigureAwait(false);
        if (line is null || line.Verb != RendezvousMessage.Probe) return;
        await WriteAsync(connection, null, RendezvousMessage.Format(RendezvousMessage.Seen, RendezvousMessage.Word(Plain(connection.RemoteEndPoint!)))).ConfigureAwait(false);
    }

    private async Task<RendezvousMessage?> ReadLineAsync(Connection connection)
    {
        while (true)
        {
            var result = await connection.Input.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            var status = LineReader.TryRead(ref buffer, RendezvousMessage.MaxLength, out var line);
            if (status == LineStatus.Line)
            {
                Interlocked.Add(ref _controlIn, line.Length + 1);
                var bytes = line.ToArray();
                connection.Input.AdvanceTo(buffer.Start);
                if (RendezvousMessage.TryParse(bytes, out var m)) return m;
                connection.SetCloseReason("not the rendezvous protocol");
                return null;
            }
            if (status == LineStatus.TooLong || result.IsCompleted)
            {
                connection.Input.AdvanceTo(buffer.End);
                return null;
            }
            connection.Input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private async Task WriteAsync(Connection connection, Entry? entry, byte[] line)
    {
        if (entry is not null) await entry.WriteLock.WaitAsync().ConfigureAwait(false);
        try
        {
            Interlocked.Add(ref _controlOut, line.Length + 1);
            connection.Output.Write(line);
            connection.Output.Write("\n"u8);
            await connection.Output.FlushAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException) { } // the other peer's connection has just ended: the introduction is lost with it
        finally { entry?.WriteLock.Release(); }
    }

    private async ValueTask ServeConnectionAsync(Connection connection)
    {
        var from = Plain(connection.RemoteEndPoint!);
        Entry? me = null;
        try
        {
            while (true)
            {
                var m = await ReadLineAsync(connection).ConfigureAwait(false);
                if (m is null) return;
                if (m.Verb == RendezvousMessage.Register)
                {
                    var (answers, notices) = OnRegister("tcp", m, from, connection, out var error);
                    lock (_gate) me = _tcp.Values.FirstOrDefault(e => ReferenceEquals(e.Connection, connection)) ?? me;
                    if (error is not null)
                    {
                        await WriteAsync(connection, me, RendezvousMessage.Format(RendezvousMessage.Error, error)).ConfigureAwait(false);
                        return;
                    }
                    foreach (var a in answers) await WriteAsync(connection, me, a).ConfigureAwait(false);
                    foreach (var (to, line) in notices)
                        if (to.Connection is { } c) await WriteAsync(c, to, line).ConfigureAwait(false);
                }
                else if (m.Verb == RendezvousMessage.Relay)
                {
                    var (_, both, error) = OnRelay("tcp", m, from);
                    if (error is not null) await WriteAsync(connection, me, RendezvousMessage.Format(RendezvousMessage.Error, error)).ConfigureAwait(false);
                    if (both is { } pair)
                    {
                        await WriteAsync(pair.A.Connection!, pair.A, RendezvousMessage.Format(RendezvousMessage.Relaying, pair.B.Name)).ConfigureAwait(false);
                        await WriteAsync(pair.B.Connection!, pair.B, RendezvousMessage.Format(RendezvousMessage.Relaying, pair.A.Name)).ConfigureAwait(false);
                        pair.A.RelayReady.TrySetResult();
                        pair.B.RelayReady.TrySetResult();
                    }
                    // This side may be the first of the two to ask: wait (a while) for the other's request.
                    if (me is null || error is not null) continue;
                    try { await me.RelayReady.Task.WaitAsync(TimeSpan.FromSeconds(30), connection.Closed).ConfigureAwait(false); }
                    catch (TimeoutException) { continue; }
                    if (me.Partner is { Connection: { } partner } p)
                    {
                        await PumpAsync(connection, partner).ConfigureAwait(false);
                        me.PumpDone.TrySetResult();
                        // This side's input has ended; the other direction may still run: wait for it before closing.
                        await p.PumpDone.Task.WaitAsync(connection.Closed).ConfigureAwait(false);
                        return;
                    }
                }
                else
                {
                    _observer?.Refused("tcp", from, $"unknown message {m.Verb}");
                }
            }
        }
        catch (OperationCanceledException) { }
        finally
        {
            lock (_gate)
            {
                if (me is not null && _tcp.TryGetValue(me.Name, out var e) && ReferenceEquals(e, me)) _tcp.Remove(me.Name);
            }
        }
    }

    /// <summary>Copies one relayed peer's bytes to the other; at its end of input, the other's output is shut down (half-close).</summary>
    private async Task PumpAsync(Connection from, Connection to)
    {
        try
        {
            while (true)
            {
                var result = await from.Input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    to.Output.Write(segment.Span);
                    Interlocked.Add(ref _relayed, segment.Length);
                }
                from.Input.AdvanceTo(buffer.End);
                var flushed = await to.Output.FlushAsync().ConfigureAwait(false);
                if (result.IsCompleted || flushed.IsCompleted) break;
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or SocketException or OperationCanceledException) { }
        await to.Output.CompleteAsync().ConfigureAwait(false);
    }
}

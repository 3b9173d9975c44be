using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using Sock.Core.Errors;
using Sock.Core.Netcat;
using Sock.Core.Sockets;

namespace Sock.Core.Peer;

/// <summary>
/// A byte stream over a connected UDP socket, joined to an input and an output as sock connect joins a TCP connection:
/// input is cut into DATA datagrams with sequence numbers; the receiver acknowledges each with the next sequence number it
/// expects, a bitmap of the 64 after it and blocks of 64 further on up to the highest packet it holds (selective
/// acknowledgement over the whole window); the sender keeps up to a window of packets in
/// flight, sends a packet again when its retransmission timeout passes (RFC 6298's estimate from RTT samples, Karn's rule,
/// doubling on timeout) or at once when three later packets arrived without it. End of input is a FIN, delivered in
/// order like TCP's, so each side half-closes. The protocol is in docs/peer-protocol.md. Fixed window (as many packets
/// as the receive buffer holds, up to <see cref="ReliableStreamOptions.Window"/>), no congestion control: it is meant
/// for one path between two peers.
/// </summary>
public sealed class ReliableStream
{
    private readonly TracedSocket _socket;
    private readonly ReliableStreamOptions _options;
    private readonly ulong _session;
    private readonly Lock _gate = new();
    private readonly Dictionary<uint, InFlight> _inFlight = [];
    private readonly Dictionary<uint, (byte[] Payload, bool Fin)> _early = [];
    // The packets held in _early, a bit each, from which an ACK's bitmaps are read a word at a time.
    private readonly SequenceBits _held = new();
    // The packets in flight the peer's ACKs reported as arrived (selectively: past a gap), a bit each.
    private readonly SequenceBits _sacked = new();
    // The highest packet held past a gap, and the highest reported as arrived past one: what the bitmaps reach up to.
    private uint _rcvHigh, _highSacked = uint.MaxValue;
    private readonly SemaphoreSlim _window;
    private readonly int _payload;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private uint _nextSeq;
    private uint _sndUna;
    private long _lastBackoff;
    private uint _rcvNext;
    private double _srtt = -1, _rttvar, _rtoMs;
    private long _sent, _received, _retransmitted;
    private long _lastReceived, _lastSent;
    private volatile bool _peerFin, _uploadDone;
    private long _finSentAt = -1;
    // In-order DATA is acknowledged once per receive batch, and at least every this many packets.
    private const int AckEvery = 16;
    private long _readingSince = -1;
    private Exception? _failure;

    /// <summary>A stream over <paramref name="socket"/>, a UDP socket connected to the peer; <paramref name="session"/> is the handshake's.</summary>
    public ReliableStream(TracedSocket socket, ReliableStreamOptions options, ulong session)
    {
        _socket = socket;
        _options = options;
        _session = session;
        _rtoMs = options.InitialRto.TotalMilliseconds;
        _payload = options.MaxPayload > 0 ? options.MaxPayload : PathPayload(socket.Socket);
        // The kernel's buffers hold a window's worth either way, so a stalled reader does not drop what is in flight; the
        // window is then what the receive buffer the kernel granted holds (a peer on the same system gets the same).
        TrySetBuffer(SocketOptionName.SendBuffer, options.Window);
        SendWindow = Math.Min(ReceiveHorizon, Math.Clamp(TrySetBuffer(SocketOptionName.ReceiveBuffer, options.Window) / (_payload + PacketOverhead), MinWindow, Math.Max(MinWindow, options.Window)));
        _window = new SemaphoreSlim(SendWindow, SendWindow);
        _lastReceived = _lastSent = _clock.ElapsedMilliseconds;
    }

    /// <summary>The fewest packets in flight whatever the receive buffer: the window before 2026-12-07 (185 KiB).</summary>
    internal const int MinWindow = 128;

    /// <summary>
    /// How far past the next expected packet a receiver keeps what arrives, whatever its own window: a sender's window
    /// is sized to its own receive buffer, so peers on different systems may differ, and one packet kept too many costs
    /// less than a window's worth sent again.
    /// </summary>
    internal const int ReceiveHorizon = 8192;

    /// <summary>
    /// What one datagram costs in a Linux receive buffer beyond its payload (the sk_buff and its rounding: a 1,472-byte
    /// UDP payload is charged about 2.3 KiB), so the window never outgrows the buffer the receiver has.
    /// </summary>
    private const int PacketOverhead = 1024;

    /// <summary>Packets this side keeps in flight at most: <see cref="ReliableStreamOptions.Window"/>, or fewer when the receive buffer the kernel granted holds fewer.</summary>
    internal int SendWindow { get; }

    /// <summary>-o/-x: what the stream carried, each byte once and in order (not the datagrams, nor their retransmissions).</summary>
    internal SessionRecorder? Recorder { get; init; }

    /// <summary>Payload bytes sent (first transmissions).</summary>
    public long BytesSent => Interlocked.Read(ref _sent);

    /// <summary>Payload bytes delivered to the output.</summary>
    public long BytesReceived => Interlocked.Read(ref _received);

    /// <summary>DATA packets sent more than once.</summary>
    public long Retransmissions => Interlocked.Read(ref _retransmitted);

    /// <summary>The smoothed round-trip time, once measured.</summary>
    public TimeSpan? SmoothedRtt { get { lock (_gate) return _srtt < 0 ? null : TimeSpan.FromMilliseconds(_srtt); } }

    private sealed class InFlight(byte[] packet, int length, long sentAt)
    {
        public byte[] Packet = packet;
        public int Length = length;
        public long SentAt = sentAt;
        public bool Retransmitted;
        public int Tries = 1;
    }

    /// <summary>
    /// Runs until both sides have ended their streams (or -q, or a signal); a peer that stops answering is a
    /// <see cref="SockException"/>. A null <paramref name="input"/> sends only the FIN; a null <paramref name="output"/> drops what arrives.
    /// </summary>
    public async Task<RelayResult> RunAsync(Stream? input, Stream? output, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var receive = ReceiveLoopAsync(output, cts.Token);
        var timers = TimerLoopAsync(cts.Token);
        var upload = UploadAsync(input, cts.Token);
        RelayEnd end;
        long peerFinSeen = -1;
        long quitAt = -1;
        try
        {
            while (true)
            {
                if (ct.IsCancellationRequested) { end = RelayEnd.Cancelled; break; }
                if (_failure is { } f) throw f;
                if (receive.IsFaulted) await receive.ConfigureAwait(false);
                if (timers.IsFaulted) await timers.ConfigureAwait(false);
                if (upload.IsFaulted) await upload.ConfigureAwait(false);
                if (receive.IsCompleted && receive.Result == RelayEnd.OutputClosed) { end = RelayEnd.OutputClosed; break; }
                var now = _clock.ElapsedMilliseconds;
                if (_uploadDone && quitAt < 0 && _options.QuitAfterEof is { } q && q >= TimeSpan.Zero) quitAt = now + (long)q.TotalMilliseconds;
                if (quitAt >= 0 && now >= quitAt) { end = RelayEnd.QuitAfterEof; break; }
                if (_peerFin)
                {
                    if (peerFinSeen < 0) peerFinSeen = now;
                    // As sock connect: input still moving is sent first (however long the window holds it up), but an
                    // input that has had nothing to read for a grace is given up.
                    var reading = Volatile.Read(ref _readingSince);
                    var inputDone = _uploadDone || (reading >= 0 && now - reading >= Relay.PeerClosedGrace.TotalMilliseconds);
                    int unacked;
                    lock (_gate) unacked = _inFlight.Count;
                    // Our FIN's own acknowledgement may be lost with nobody left to resend it: a second is enough.
                    var finSettled = unacked == 0 || (unacked == 1 && _finSentAt >= 0 && now - _finSentAt > 1000);
                    if (inputDone && (finSettled || !_uploadDone)) { end = RelayEnd.PeerClosed; break; }
                }
                await Task.Delay(10, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            end = RelayEnd.Cancelled;
        }
        finally
        {
            // Linger while the peer still sends, so its retransmissions (data or FIN whose acknowledgement was lost) are
            // answered: TCP's TIME_WAIT, ended by a quiet spell of a few RTOs instead of a fixed time, and 5 s at most.
            if (_peerFin && !ct.IsCancellationRequested)
            {
                var lingerStart = _clock.ElapsedMilliseconds;
                var finalAcks = 0;
                try
                {
                    while (true)
                    {
                        var quiet = _clock.ElapsedMilliseconds - Volatile.Read(ref _lastReceived);
                        var spell = Math.Clamp(_rtoMs * 3, 200, 3000);
                        if (_clock.ElapsedMilliseconds - lingerStart >= 5000 || quiet >= spell) break;
                        // The peer may still wait for our last ACK, lost, with a timer backed off past this spell (its RTO
                        // is its own): nothing it sends would then reach us in time. Say it again a third and two thirds
                        // of the way through the quiet spell.
                        if (finalAcks < 2 && quiet >= spell * (finalAcks + 1) / 3)
                        {
                            finalAcks++;
                            await SendAsync(FinalAck(), CancellationToken.None).ConfigureAwait(false);
                        }
                        await Task.Delay(20, ct).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) { }
            }
            await cts.CancelAsync().ConfigureAwait(false);
            await Quietly(receive).ConfigureAwait(false);
            await Quietly(timers).ConfigureAwait(false);
            await Quietly(upload).ConfigureAwait(false);
        }
        return new RelayResult(BytesSent, BytesReceived, end);
    }

    /// <summary>An ACK of everything delivered: the peer's FIN is, so nothing past it is held and no bitmap is needed.</summary>
    private byte[] FinalAck()
    {
        var ack = new byte[PeerPacket.AckLength];
        PeerPacket.WriteAck(ack, Volatile.Read(ref _rcvNext), 0);
        return ack;
    }

    /// <summary>
    /// Asks for a buffer that holds <paramref name="window"/> datagrams (the kernel caps it at net.core.rmem_max or
    /// wmem_max); returns the bytes it granted (Linux reports twice what it was asked, its own accounting's unit).
    /// </summary>
    private int TrySetBuffer(SocketOptionName name, int window)
    {
        try
        {
            _socket.SetOption(SocketOptionLevel.Socket, name, Math.Max(256 * 1024, window * (_payload + PacketOverhead)));
            return (int)_socket.Socket.GetSocketOption(SocketOptionLevel.Socket, name)!;
        }
        catch (SocketException) { return 0; }
    }

    /// <summary>
    /// The largest payload a DATA datagram carries unfragmented on this path: the route's MTU as the kernel knows it for the
    /// connected socket (IP_MTU / IPV6_MTU), at most Ethernet's 1500 (loopback says 64 KiB, but the path the peers meant to
    /// use is a network's), less the IP and UDP headers and DATA's own 6 bytes: 1466 bytes over IPv4, 1446 over IPv6.
    /// Where the kernel does not say, 1200, under IPv6's minimum MTU.
    /// </summary>
    private static int PathPayload(Socket socket)
    {
        const int fallback = 1200;
        if (!OperatingSystem.IsLinux()) return fallback;
        try
        {
            var v6 = socket.AddressFamily == AddressFamily.InterNetworkV6;
            Span<byte> value = stackalloc byte[4];
            // IPPROTO_IP/IP_MTU = 0/14, IPPROTO_IPV6/IPV6_MTU = 41/24 (linux/in.h, linux/in6.h).
            var got = socket.GetRawSocketOption(v6 ? 41 : 0, v6 ? 24 : 14, value);
            if (got != 4) return fallback;
            var mtu = Math.Min(System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(value), 1500);
            var payload = mtu - (v6 ? 40 : 20) - 8 - PeerPacket.DataHeader;
            return payload >= 512 ? payload : fallback;
        }
        catch (SocketException) { return fallback; }
    }

    private static async Task Quietly(Task task)
    {
        try { await task.ConfigureAwait(false); }
        catch (Exception ex) when (ex is OperationCanceledException or SockException or IOException or ObjectDisposedException) { }
    }

    private async Task UploadAsync(Stream? input, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (input is not null)
            {
                int n;
                Volatile.Write(ref _readingSince, _clock.ElapsedMilliseconds);
                try { n = await input.ReadAsync(buffer, ct).AsTask().WaitAsync(ct).ConfigureAwait(false); }
                catch (IOException) { break; }
                finally { Volatile.Write(ref _readingSince, -1); }
                if (n == 0) break;
                for (var at = 0; at < n; at += _payload)
                    await SendDataAsync(buffer.AsMemory(at, Math.Min(_payload, n - at)), fin: false, ct).ConfigureAwait(false);
            }
            await SendDataAsync(ReadOnlyMemory<byte>.Empty, fin: true, ct).ConfigureAwait(false);
            _uploadDone = true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task SendDataAsync(ReadOnlyMemory<byte> payload, bool fin, CancellationToken ct)
    {
        await _window.WaitAsync(ct).ConfigureAwait(false);
        var packet = new byte[PeerPacket.DataHeader + payload.Length];
        int length;
        lock (_gate)
        {
            var seq = _nextSeq++;
            length = PeerPacket.WriteData(packet, seq, fin, payload.Span);
            _inFlight[seq] = new InFlight(packet, length, _clock.ElapsedMilliseconds);
            if (fin) _finSentAt = _clock.ElapsedMilliseconds;
        }
        Interlocked.Add(ref _sent, payload.Length);
        Recorder?.Sent(payload.Span);
        await SendAsync(packet.AsMemory(0, length), ct).ConfigureAwait(false);
    }

    private async ValueTask SendAsync(ReadOnlyMemory<byte> packet, CancellationToken ct)
    {
        Volatile.Write(ref _lastSent, _clock.ElapsedMilliseconds);
        try { await _socket.SendAsync(packet, ct).ConfigureAwait(false); }
        catch (SockException ex) when (ex.SocketError is SocketError.ConnectionRefused or SocketError.ConnectionReset or SocketError.NoBufferSpaceAvailable)
        {
            // An ICMP error from an earlier datagram, or a full queue: the packet counts as lost and is sent again.
        }
    }

    private async Task<RelayEnd> ReceiveLoopAsync(Stream? output, CancellationToken ct)
    {
        var buffer = new byte[65536];
        var ack = new byte[PeerPacket.MaxAckLength];
        // In-order payloads gather here and go to the output in one write per receive batch, not one per datagram.
        var pending = new byte[256 * 1024];
        var pendingLength = 0;
        var unacked = 0;
        var outputOpen = output is not null;
        while (true)
        {
            int n;
            try
            {
                var receive = _socket.ReceiveAsync(buffer, ct);
                // Nothing more queued in the kernel: the batch is over, so its bytes go out and one ACK answers all of it
                // (a datagram that completes at once was already waiting, and is taken with the batch).
                if (!receive.IsCompleted && (pendingLength > 0 || unacked > 0))
                {
                    if (!await FlushAsync().ConfigureAwait(false)) return RelayEnd.OutputClosed;
                    await SendAckAsync().ConfigureAwait(false);
                }
                n = await receive.ConfigureAwait(false);
            }
            catch (SockException ex) when (ex.SocketError is SocketError.ConnectionRefused or SocketError.ConnectionReset)
            {
                // ICMP port unreachable: the peer's socket is gone. After its FIN that is just its exit.
                if (_peerFin) continue;
                throw new SockException(SockErrorKind.Network, "peer", Endpoints.EndpointText.Format(_socket.Socket.RemoteEndPoint),
                    "the peer's port is closed (it exited before the stream ended)", SocketError.ConnectionRefused, ex);
            }
            Volatile.Write(ref _lastReceived, _clock.ElapsedMilliseconds);
            if (!PeerPacket.TryType(buffer.AsSpan(0, n), out var type)) continue;
            switch (type)
            {
                case PeerPacketType.Data:
                {
                    var (seq, fin, payload) = PeerPacket.ReadData(buffer.AsMemory(0, n));
                    var ahead = (int)(seq - _rcvNext);
                    var finArrived = false;
                    if (ahead == 0 && _early.Count == 0)
                    {
                        // The common case: the next packet, nothing held back. Straight to the batch, no copy of its own.
                        _rcvNext++;
                        if (fin) finArrived = true;
                        else if (!Deliver(payload.Span)) { if (!await FlushAsync().ConfigureAwait(false)) return RelayEnd.OutputClosed; Deliver(payload.Span); }
                    }
                    else
                    {
                        if (ahead >= 0 && ahead < ReceiveHorizon && !_held[seq])
                        {
                            _early[seq] = (payload.ToArray(), fin);
                            _held.Set(seq);
                            if (_early.Count == 1 || (int)(seq - _rcvHigh) > 0) _rcvHigh = seq;
                        }
                        while (_early.Remove(_rcvNext, out var next))
                        {
                            _held.Clear(_rcvNext);
                            _rcvNext++;
                            if (next.Fin) { finArrived = true; continue; }
                            if (!Deliver(next.Payload)) { if (!await FlushAsync().ConfigureAwait(false)) return RelayEnd.OutputClosed; Deliver(next.Payload); }
                        }
                    }
                    unacked++;
                    // A gap, a duplicate (our ACK was lost) or the FIN is answered at once, as TCP does; in-order data once per
                    // batch, or every AckEvery packets in a long one so the sender's window keeps moving.
                    if (ahead != 0 || fin || finArrived || unacked >= AckEvery)
                    {
                        if (!await FlushAsync().ConfigureAwait(false)) return RelayEnd.OutputClosed;
                        // Only once every byte before it is in the output: the stream may end as soon as this is seen.
                        if (finArrived) _peerFin = true;
                        await SendAckAsync().ConfigureAwait(false);
                    }
                    break;
                }
                case PeerPacketType.Ack:
                    await OnAckAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                    break;
                case PeerPacketType.Hello:
                    // The peer has not seen our answer to its check yet.
                    await SendAsync(PeerPacket.Control(PeerPacketType.HelloAck, _session), ct).ConfigureAwait(false);
                    break;
            }
        }

        bool Deliver(ReadOnlySpan<byte> payload)
        {
            if (pendingLength + payload.Length > pending.Length) return false;
            Interlocked.Add(ref _received, payload.Length);
            Recorder?.Received(payload);
            if (outputOpen) payload.CopyTo(pending.AsSpan(pendingLength));
            pendingLength += outputOpen ? payload.Length : 0;
            return true;
        }

        async ValueTask<bool> FlushAsync()
        {
            if (pendingLength == 0) return true;
            var length = pendingLength;
            pendingLength = 0;
            try { await output!.WriteAsync(pending.AsMemory(0, length), ct).ConfigureAwait(false); }
            catch (IOException) { return false; }
            catch (ObjectDisposedException) { return false; }
            return true;
        }

        async ValueTask SendAckAsync()
        {
            unacked = 0;
            var held = _early.Count > 0;
            var len = PeerPacket.WriteAck(ack, _rcvNext, held ? _held.Read64(_rcvNext + 1) : 0);
            // Past the first bitmap, blocks of 64 up to the highest packet held, so every hole in a window is seen in the
            // round trip it opens, not one at a time as the gaps before it close (with one bitmap, holes further on
            // waited for that, and the timer sent every packet past the bitmap again meanwhile). An empty block is left
            // out: the sender takes the packets between reported ones as missing either way.
            for (uint start = _rcvNext + 65, blocks = 0; held && blocks < PeerPacket.MaxAckBlocks && (int)(_rcvHigh - start) >= 0
                 && start - _rcvNext <= ReceiveHorizon - 64; start += 64)
            {
                var bits = _held.Read64(start);
                if (bits != 0) len = PeerPacket.WriteAckBlock(ack, (int)blocks++, start, bits);
            }
            await SendAsync(ack.AsMemory(0, len), ct).ConfigureAwait(false);
        }
    }

    private async Task OnAckAsync(ReadOnlyMemory<byte> packet, CancellationToken ct)
    {
        List<(byte[] Packet, int Length)>? fast = null;
        var released = 0;
        lock (_gate)
        {
            var ack = packet.Span;
            var (next, bitmap) = PeerPacket.ReadAck(ack);
            var now = _clock.ElapsedMilliseconds;
            var newest = new Newest();
            // Only what this ACK newly covers is looked at — the packets from the oldest unacknowledged one up to its
            // next, and the bits its bitmaps newly set — not the whole window, so an ACK costs what it acknowledges.
            // The window is counted from the oldest packet not yet acknowledged in order, as TCP's is: packets the
            // bitmaps acknowledged are not sent again but hold their place until the gap before them fills, so the
            // sender never runs further ahead than the receiver keeps.
            if ((int)(next - _sndUna) > 0 && (int)(_nextSeq - next) >= 0)
            {
                for (var seq = _sndUna; seq != next; seq++)
                    Acknowledged(seq, ref newest);
                _sacked.Clear(_sndUna, next);
                released = (int)(next - _sndUna);
                _sndUna = next;
            }
            Selective(next + 1, bitmap, ref newest);
            for (var i = 0; i < PeerPacket.AckBlockCount(ack); i++)
            {
                var (start, bits) = PeerPacket.ReadAckBlock(ack, i);
                Selective(start, bits, ref newest);
            }
            // One RTT sample an ACK, from the packet sent last of those it newly acknowledges: that is the one whose
            // arrival sent it. The others may have waited at the receiver behind a gap (or past the bitmaps' reach, not
            // reported) until a repair arrived, and their time is the repair's, not the path's: taken as samples they
            // made the estimate 13 s and the timeout its 4 s ceiling. Karn: when that last packet was sent more than
            // once (it is the repair), there is no sample at all.
            if (newest.SentAt >= 0 && !newest.Retransmitted) Sample(now - newest.SentAt);
            // A packet that three later packets overtook was lost (RFC 6675's rule, on every packet the bitmaps reach):
            // send it now rather than wait for the timer. The first time at once — the ACKs that show the gap come
            // about one RTT after the packet left, so a guard of an RTT would let a whole window's ACKs pass it by and
            // leave the loss to the timer; a packet already sent again waits an RTT before the next try, as its copy
            // may still be on the way.
            if (LostBelow() is { } lostBelow)
            {
                var guard = Math.Max(_srtt < 0 ? _rtoMs : _srtt * 1.25, 1);
                for (var from = _sndUna; (int)(lostBelow - from) > 0 && (fast?.Count ?? 0) < MaxFastPerAck; from += 64)
                {
                    var missing = ~_sacked.Read64(from);
                    if (lostBelow - from < 64) missing &= (1UL << (int)(lostBelow - from)) - 1;
                    for (; missing != 0 && (fast?.Count ?? 0) < MaxFastPerAck; missing &= missing - 1)
                    {
                        var seq = from + (uint)System.Numerics.BitOperations.TrailingZeroCount(missing);
                        if (!_inFlight.TryGetValue(seq, out var lost) || (lost.Retransmitted && now - lost.SentAt < guard)) continue;
                        lost.SentAt = now;
                        lost.Retransmitted = true;
                        lost.Tries++;
                        (fast ??= []).Add((lost.Packet, lost.Length));
                    }
                }
            }
        }
        if (released > 0) _window.Release(released);
        if (fast is null) return;
        foreach (var (copy, length) in fast)
        {
            Interlocked.Increment(ref _retransmitted);
            await SendAsync(copy.AsMemory(0, length), ct).ConfigureAwait(false);
        }
    }

    /// <summary>Packets sent again on one ACK at most: a burst of repairs, not a window's worth at once.</summary>
    private const int MaxFastPerAck = 64;

    /// <summary>
    /// Takes one bitmap of an ACK (bit i: packet <paramref name="start"/> + i arrived): the packets in flight it newly
    /// reports are acknowledged and marked. Bits outside the window — an old ACK's, or numbers never sent — are ignored.
    /// </summary>
    private void Selective(uint start, ulong bits, ref Newest newest)
    {
        if ((int)(start - _sndUna) < 0)
        {
            var behind = _sndUna - start;
            if (behind >= 64) return;
            bits &= ulong.MaxValue << (int)behind;
        }
        var room = (int)(_nextSeq - start);
        if (room <= 0) return;
        if (room < 64) bits &= (1UL << room) - 1;
        var fresh = bits & ~_sacked.Read64(start);
        if (fresh == 0) return;
        _sacked.Or64(start, fresh);
        var top = start + 63 - (uint)System.Numerics.BitOperations.LeadingZeroCount(fresh);
        if ((int)(_highSacked - _sndUna) < 0 || (int)(top - _highSacked) > 0) _highSacked = top;
        for (; fresh != 0; fresh &= fresh - 1)
            Acknowledged(start + (uint)System.Numerics.BitOperations.TrailingZeroCount(fresh), ref newest);
    }

    /// <summary>
    /// The third-highest packet the bitmaps reported as arrived: every packet below it not reported has three that
    /// overtook it, so is lost (RFC 6675's DupThresh); null when fewer than three were reported.
    /// </summary>
    private uint? LostBelow()
    {
        var found = 0;
        for (var top = _highSacked; (int)(top - _sndUna) >= 0; top -= 64)
        {
            var from = top - 63;
            var bits = _sacked.Read64(from);
            if ((int)(from - _sndUna) < 0) bits &= ulong.MaxValue << (int)(_sndUna - from);
            for (; bits != 0; bits &= ~(1UL << (63 - System.Numerics.BitOperations.LeadingZeroCount(bits))))
                if (++found == 3) return from + (uint)(63 - System.Numerics.BitOperations.LeadingZeroCount(bits));
        }
        return null;
    }

    /// <summary>The latest send time among the packets one ACK newly acknowledges, and whether a packet sent more than once is among those sent then.</summary>
    private struct Newest()
    {
        public long SentAt = -1;
        public bool Retransmitted;
    }

    private void Acknowledged(uint seq, ref Newest newest)
    {
        if (!_inFlight.Remove(seq, out var p)) return;
        if (p.SentAt > newest.SentAt) newest = new Newest { SentAt = p.SentAt, Retransmitted = p.Retransmitted };
        else if (p.SentAt == newest.SentAt) newest.Retransmitted |= p.Retransmitted;
    }

    /// <summary>RFC 6298 §2: SRTT and RTTVAR from a sample, RTO = SRTT + 4·RTTVAR within the bounds.</summary>
    private void Sample(long ms)
    {
        var r = Math.Max(ms, 0.1);
        if (_srtt < 0) { _srtt = r; _rttvar = r / 2; }
        else
        {
            _rttvar = 0.75 * _rttvar + 0.25 * Math.Abs(_srtt - r);
            _srtt = 0.875 * _srtt + 0.125 * r;
        }
        _rtoMs = Math.Clamp(_srtt + Math.Max(4 * _rttvar, 1), _options.MinRto.TotalMilliseconds, _options.MaxRto.TotalMilliseconds);
    }

    private async Task TimerLoopAsync(CancellationToken ct)
    {
        var resend = new List<(byte[] Packet, int Length)>();
        while (true)
        {
            await Task.Delay(10, ct).ConfigureAwait(false);
            var now = _clock.ElapsedMilliseconds;
            resend.Clear();
            lock (_gate)
            {
                var expired = false;
                foreach (var p in _inFlight.Values)
                {
                    if (now - p.SentAt < _rtoMs) continue;
                    if (p.Tries >= _options.MaxTries)
                    {
                        _failure = new SockException(SockErrorKind.Network, "peer", Endpoints.EndpointText.Format(_socket.Socket.RemoteEndPoint),
                            $"the peer stopped acknowledging (a packet sent {p.Tries} times)", SocketError.TimedOut);
                        return;
                    }
                    p.SentAt = now;
                    p.Retransmitted = true;
                    p.Tries++;
                    resend.Add((p.Packet, p.Length));
                    expired = true;
                }
                // RFC 6298 §5.5: back off on expiry — once per RTO, not once per packet that expired with it.
                if (expired && now - _lastBackoff >= _rtoMs)
                {
                    _rtoMs = Math.Min(_rtoMs * 2, _options.MaxRto.TotalMilliseconds);
                    _lastBackoff = now;
                }
            }
            foreach (var (packet, length) in resend)
            {
                Interlocked.Increment(ref _retransmitted);
                await SendAsync(packet.AsMemory(0, length), ct).ConfigureAwait(false);
            }
            if (now - Volatile.Read(ref _lastSent) >= _options.Keepalive.TotalMilliseconds)
                await SendAsync(PeerPacket.Control(PeerPacketType.Keepalive, _session), ct).ConfigureAwait(false);
            if (now - Volatile.Read(ref _lastReceived) >= _options.DeadAfterOrDefault.TotalMilliseconds)
            {
                _failure = new SockException(SockErrorKind.Network, "peer", Endpoints.EndpointText.Format(_socket.Socket.RemoteEndPoint),
                    $"nothing heard from the peer for {Durations.Format(_options.DeadAfterOrDefault)}", SocketError.TimedOut);
                return;
            }
        }
    }
}

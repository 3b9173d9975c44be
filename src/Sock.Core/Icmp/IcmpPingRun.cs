using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Errors;
using Sock.Core.Platform.Linux;

namespace Sock.Core.Icmp;

/// <summary>
/// ICMP echo over one socket (raw or datagram, one address family) to any number of hosts: one request to each host
/// per round, replies matched by identifier, source address and sequence, duplicates and ICMP errors counted as
/// iputils ping counts them. Runs synchronously on the caller's thread (poll, then recvmsg until the queue is empty),
/// so a flood is not slowed by a thread hop per reply.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class IcmpPingRun
{
    private static readonly TimeSpan FloodWait = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan PollCap = TimeSpan.FromMilliseconds(100);
    private readonly ProbeSocket _socket;
    private readonly bool _raw;
    private readonly bool _v6;
    private readonly IReadOnlyList<PingHost> _hosts;
    private readonly Dictionary<IPAddress, HostState> _byAddress = [];
    private readonly HostState[] _states;
    private readonly PingOptions _options;
    private readonly IPingObserver? _observer;
    private readonly ushort _identifier;
    private readonly byte[] _packet;
    private readonly byte[] _receive = new byte[65536 + 128];
    // The run's one clock: CLOCK_REALTIME in ns, as iputils' gettimeofday, because the kernel stamps replies on that
    // clock (SO_TIMESTAMPNS) and a round trip subtracts the two. Read once per round trip in a flood: the loop's "now"
    // and the request's send time are the same read. Never allowed to run backwards (a clock step): see Now.
    private long _startNs;
    private long _lastNs;
    private int _outstanding;
    private bool _replied;
    private int _sentThisRound;
    private TimeSpan _lastActivity;

    public IcmpPingRun(ProbeSocket socket, IReadOnlyList<PingHost> hosts, PingOptions options, IPingObserver? observer)
    {
        _socket = socket;
        _raw = socket.Type == SocketType.Raw;
        _v6 = socket.V6;
        _hosts = hosts;
        _options = options;
        _observer = observer;
        // A raw socket sees every echo reply the host receives: ours carry our process id, as iputils' do. A datagram
        // socket's identifier is the kernel's choice (its "port"), and only its own replies reach it.
        _identifier = (ushort)(Environment.ProcessId & 0xFFFF);
        _states = [.. hosts.Select(h => new HostState(h, hosts.Count <= SendTimes.TableHostLimit))];
        foreach (var s in _states) _byAddress.TryAdd(s.Host.Target.Address, s);
        _packet = new byte[8 + options.PayloadSize];
        for (var i = 8; i < _packet.Length; i++) _packet[i] = (byte)(i - 8);
    }

    /// <summary>Sets the socket up (TTL, timestamps, error queue) before the first request.</summary>
    public void Prepare()
    {
        ProbeSocket.WarmUp();
        if (_raw) _socket.FilterToOwnReplies(_identifier);
        if (_options.Ttl is { } ttl) _socket.SetTtl(ttl);
        _socket.EnableTimestamps();
        // A raw IPv4 socket reads the TTL from the IP header it receives; every other kind is told it in a control message.
        if (!_raw || _v6) _socket.EnableTtlReport();
        // Datagram sockets hear of ICMP errors only through the error queue; raw sockets receive the ICMP error itself.
        if (!_raw) _socket.EnableErrorQueue();
        if (_raw) _socket.DiscardQueued();
        // Many hosts answer a round at nearly the same moment: room for all their replies (each costs about 1 KiB of
        // buffer in the kernel's accounting), past net.core.rmem_max with SO_RCVBUFFORCE where the process may.
        if (_states.Length > 64) _socket.GrowReceiveBuffer(Math.Min(_states.Length * 2048, 64 << 20));
        // A flood waits for its reply in recvmsg itself, as ping -f does, at most the 10 ms after which it sends anyway.
        if (Fast) _socket.SetReceiveTimeout(FloodWait);
    }

    private bool Fast => _options.Flood || _options.Interval == TimeSpan.Zero;

    /// <summary>Sends and receives until the count, the deadline or cancellation ends it; returns the time from the first request.</summary>
    public TimeSpan Run(CancellationToken cancellationToken)
    {
        var count = _options.Count ?? int.MaxValue;
        var fast = Fast;
        var rounds = 0;
        var nextRound = TimeSpan.Zero;
        var lastSend = TimeSpan.Zero;
        TimeSpan? linger = null;
        // Something came back since the last clock read: the next read dates it (one clock read per round trip, not two).
        var heard = false;
        _startNs = _lastNs = NowNs();
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = Now(out var nowNs);
            if (heard)
            {
                _lastActivity = now;
                heard = false;
            }
            if (_options.Deadline is { } deadline && now >= deadline) break;
            // As iputils: with a deadline, the first error ends a single-host run.
            if (_options.Deadline is not null && _hosts.Count == 1 && _states[0].Host.Statistics.Errors > 0) break;
            // A flood sends again as soon as a reply comes back, or after 10 ms when none does (ping -f).
            if (rounds < count && (now >= nextRound || (fast && _replied)))
            {
                SendRound(nowNs);
                rounds++;
                lastSend = _lastActivity = now;
                nextRound = fast ? now + FloodWait : nextRound + _options.Interval;
                if (nextRound < now && !fast) nextRound = now;
            }
            if (rounds >= count)
            {
                if (_states.All(s => s.Host.Statistics.Received + s.Host.Statistics.Errors >= count)) break;
                // iputils' schedule_exit: after the last request, twice the longest round trip (at least one interval)
                // once anything has come back, else the -W linger.
                linger ??= _states.Any(s => s.Host.Statistics.Received > 0)
                    ? TimeSpan.FromTicks(Math.Max(TimeSpan.FromMicroseconds(2 * _states.Max(s => s.Host.Statistics.MaxMicros)).Ticks, _options.Interval.Ticks))
                    : _options.Timeout;
                if (_options.Deadline is null && now >= lastSend + linger.Value) break;
            }
            // A flood waits for its one reply in recvmsg (ping -f's SO_RCVTIMEO wait): on loopback it is usually queued
            // before sendto returns, and elsewhere the read sleeps until it comes — two system calls per round trip,
            // where a non-blocking read, poll and a read again would take four. poll below is for the rest: errors,
            // the linger after the last request.
            if (fast && !_replied && Drain(0, stopWhenAnswered: true, wait: true))
            {
                heard = true;
                continue;
            }
            var until = rounds < count ? nextRound : _options.Deadline is null ? lastSend + (linger ?? PollCap) : _options.Deadline.Value;
            if (_options.Deadline is { } dl && dl < until) until = dl;
            var wait = until - Now(out _);
            if (wait > PollCap) wait = PollCap;
            var events = _socket.Wait(wait <= TimeSpan.Zero ? 0 : (int)Math.Ceiling(wait.TotalMilliseconds), Poll.In);
            if (events != 0 && Drain(events, stopWhenAnswered: fast)) heard = true;
        }
        if (heard) _lastActivity = Now(out _);
        // ping's "time": from the first request to the last thing that happened (a request, a reply, an error).
        return _lastActivity;
    }

    /// <param name="nowNs">The clock read the loop just made: the first host's send time (the others read their own).</param>
    private void SendRound(long nowNs)
    {
        _replied = false;
        var first = true;
        foreach (var s in _states)
        {
            var seq = ++s.Sent;
            var wire = (ushort)seq;
            var payload = _packet.AsSpan(8);
            // The round trip starts here, as iputils' does: one clock read, stamped into the packet and kept, then the
            // checksum and the system call.
            var sentAt = first ? nowNs : NowNs();
            first = false;
            // As iputils: the send time travels in the first 16 bytes (struct timeval), for anyone reading a capture.
            if (payload.Length >= 16)
            {
                BinaryPrimitives.WriteInt64LittleEndian(payload, sentAt / 1_000_000_000);
                BinaryPrimitives.WriteInt64LittleEndian(payload[8..], sentAt % 1_000_000_000 / 1000);
            }
            var length = IcmpMessage.WriteEchoRequest(_packet, _v6, _identifier, wire, payload);
            s.Host.Statistics.Transmitted++;
            s.Host.AddRequest(_options.RoundTripHistory);
            _outstanding++;
            var error = _socket.SendTo(_packet.AsSpan(0, length), s.Sockaddr, s.Endpoint);
            s.SentAt.Sent(wire, sentAt); // the sequence may have wrapped: its earlier answer is history
            _observer?.Sent(s.Host, seq);
            // Read between sends of a large round, so early replies are taken before the queue can overflow.
            if (_states.Length > 64 && s.Sent > 0 && (++_sentThisRound & 31) == 0) Drain(0, stopWhenAnswered: false);
            if (error != SocketError.Success)
            {
                s.Host.Statistics.Errors++;
                _outstanding--;
                _observer?.Problem(new PingProblem(s.Host, seq, null, $"sendmsg: {SocketErrorText.Describe(error)}", DateTimeOffset.Now));
            }
        }
    }

    /// <summary>Reads everything waiting; true when a reply or error of ours was among it.</summary>
    private bool Drain(int events, bool stopWhenAnswered, bool wait = false)
    {
        var ours = false;
        // Bounded: a raw socket on a busy host could otherwise keep us here reading other processes' replies. Only the
        // first read may wait; the rest take what is queued.
        for (var i = 0; i < 4096 && _socket.TryReceive(_receive, false, out var p, wait && i == 0); i++)
        {
            ours |= HandlePacket(p);
            // A flood sends again as soon as its request is answered; whatever else is queued waits one round.
            if (stopWhenAnswered && _replied) return true;
        }
        if (!_raw)
            for (var i = 0; i < 4096 && _socket.TryReceive(_receive, true, out var p); i++)
                ours |= HandleQueuedError(p);
        if ((events & Poll.Err) != 0 && _raw)
            _ = _socket.Traced.Socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error);
        return ours;
    }

    private bool HandlePacket(ReceivedPacket p)
    {
        ReadOnlySpan<byte> data = _receive.AsSpan(0, p.Length);
        var ttl = p.Ttl;
        if (_raw && !_v6)
        {
            // A raw IPv4 socket receives the IP header too: its length, then the TTL at byte 8.
            if (data.Length < 20 || data[0] >> 4 != 4) return false;
            var ihl = (data[0] & 0x0F) * 4;
            if (data.Length < ihl + 8) return false;
            ttl = data[8];
            data = data[ihl..];
        }
        if (IcmpMessage.Parse(data, _v6, verifyChecksum: _raw && !_v6) is not { } m || m.IsEchoRequest) return false;
        var at = p.KernelTimeNs != 0 ? p.KernelTimeNs : NowNs();
        if (m.IsEchoReply)
        {
            if (_raw && m.Identifier != _identifier) return false; // another process's ping
            var s = Find(p.From?.Address);
            if (s is null) return false;
            long sentAt;
            bool duplicate = false;
            // A corrupted reply does not answer its request; a good one marks it answered, and a second one is a duplicate.
            if (m.ChecksumValid ? !s.SentAt.TryAnswer(m.Sequence, out sentAt, out duplicate) : !s.SentAt.TryGetValue(m.Sequence, out sentAt))
                return false;
            var seq = SequenceOf(s, m.Sequence);
            var micros = Math.Max(0, (at - sentAt) / 1000);
            var stats = s.Host.Statistics;
            if (!m.ChecksumValid)
                stats.Corrupted++;
            else if (duplicate)
            {
                stats.Duplicates++;
                stats.AddRoundTrip(micros);
            }
            else
            {
                stats.Received++;
                _outstanding--;
                _replied = true;
                stats.AddRoundTrip(micros);
                if (seq - 1 < s.Host.RoundTrips.Count) s.Host.RoundTrips[seq - 1] = micros / 1000.0;
            }
            _observer?.Reply(new PingReply(s.Host, seq, m.Length, ttl, micros, duplicate, !m.ChecksumValid, p.From!.Address, _raw ? PingMethod.RawIcmp : PingMethod.DatagramIcmp, null, FromNs(at)));
            return true;
        }
        if (!m.IsError || !_raw) return false;
        var quotedIp = data[8..];
        if (IcmpMessage.QuotedEcho(quotedIp, _v6) is not { } q || q.Identifier != _identifier) return false;
        var host = Find(q.Destination);
        if (host is null || !host.SentAt.ContainsKey(q.Sequence)) return false;
        Error(host, q.Sequence, p.From?.Address, IcmpTypes.Describe(m.Type, m.Code, m.Info, _v6), at);
        return true;
    }

    private bool HandleQueuedError(ReceivedPacket p)
    {
        // The error queue gives back the request as we sent it (its ICMP header, with the kernel's identifier) and,
        // in the control message, the ICMP error and the router that sent it.
        if (p.Error is not { } e || p.Length < 8) return false;
        var wire = BinaryPrimitives.ReadUInt16BigEndian(_receive.AsSpan(6));
        var host = Find(p.From?.Address);
        if (host is null || !host.SentAt.ContainsKey(wire)) return false;
        var text = e.Origin is ExtendedErrorOrigin.Icmp or ExtendedErrorOrigin.Icmp6
            ? IcmpTypes.Describe(e.Type, e.Code, e.Info, _v6)
            : e.Errno == 90 ? $"local error: message too long, mtu={e.Info}" : $"local error: {SocketErrorText.Describe((SocketError)e.Errno)}";
        Error(host, wire, e.Offender, text, p.KernelTimeNs != 0 ? p.KernelTimeNs : NowNs());
        return true;
    }

    private void Error(HostState s, ushort wire, IPAddress? from, string text, long at)
    {
        s.Host.Statistics.Errors++;
        _outstanding--;
        _replied = true;
        _observer?.Problem(new PingProblem(s.Host, SequenceOf(s, wire), from, text, FromNs(at)));
    }

    private HostState? Find(IPAddress? from)
    {
        // One host: a reply from another address is still its reply (iputils marks it, e.g. for broadcasts).
        if (_states.Length == 1) return _states[0];
        return from is not null && _byAddress.TryGetValue(from, out var s) ? s : null;
    }

    /// <summary>The full sequence (1, 2, … past 65535) for a 16-bit one on the wire: the latest request that carried it.</summary>
    private static int SequenceOf(HostState s, ushort wire)
    {
        var seq = (s.Sent & ~0xFFFF) | wire;
        return seq > s.Sent ? seq - 0x10000 : seq;
    }

    private static long NowNs() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    /// <summary>The time since the run began, and the clock read it came from; a clock stepped back counts as no time passing.</summary>
    private TimeSpan Now(out long ns)
    {
        ns = NowNs();
        if (ns < _lastNs) ns = _lastNs;
        _lastNs = ns;
        return TimeSpan.FromTicks((ns - _startNs) / 100);
    }

    private static DateTimeOffset FromNs(long ns) => DateTimeOffset.UnixEpoch.AddTicks(ns / 100);

    private static byte[] MakeSockaddr(IPAddress address)
    {
        var buffer = new byte[Platform.Linux.Sockaddr.MaxLength];
        return buffer[..Platform.Linux.Sockaddr.Write(address, 0, buffer)];
    }

    private sealed class HostState(PingHost host, bool smallRun)
    {
        public PingHost Host { get; } = host;
        public IPEndPoint Endpoint { get; } = new(host.Target.Address, 0);
        /// <summary>The endpoint as a sockaddr, made once rather than for every request.</summary>
        public byte[] Sockaddr { get; } = MakeSockaddr(host.Target.Address);
        public int Sent;
        public readonly SendTimes SentAt = new(smallRun);
    }
}

using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Tracing;
using Sock.Core.Sockets;

namespace Sock.Core.Snmp;

/// <summary>
/// An SNMP command generator for one agent over UDP: Get, GetNext, GetBulk, and walks with GetNext (snmpwalk) or
/// GetBulk (snmpbulkwalk). Each request is sent again after <see cref="SnmpClientOptions.Timeout"/> up to
/// <see cref="SnmpClientOptions.Retries"/> times; only the response with the request's id counts. A bulk walk lowers
/// max-repetitions when the agent answers tooBig or stays silent, and a walk stops with an error when the agent
/// returns an OID that does not increase.
/// </summary>
public sealed class SnmpClient : IAsyncDisposable
{
    private readonly SnmpClientOptions _options;
    private readonly IPEndPoint _target;
    private readonly TracedSocket _socket;
    private readonly byte[] _buffer = new byte[65536];
    private readonly bool _tcp;
    // SnmpClientOptions.WaitOnCallingThread, over UDP: blocking send and recv, never the socket engine.
    private readonly bool _blocking;
    // The longest one blocking recv waits (SO_RCVTIMEO), so cancellation is seen that soon within a long timeout.
    private static readonly TimeSpan WaitSlice = TimeSpan.FromMilliseconds(250);
    private int _streamFill; // over TCP: bytes of the next frame(s) already read into _buffer
    private int _requestId = Random.Shared.Next(1, int.MaxValue / 2);
    private bool _connected;
    private bool _refusedIsSilence;
    private SnmpRemoteEngine? _engine;
    private SnmpRemoteEngine? _ownEngine;

    /// <summary>A client for the agent at <paramref name="target"/>, over UDP.</summary>
    public SnmpClient(IPEndPoint target, SnmpClientOptions options, SocketTrace? trace = null)
        : this(new SnmpTarget(target.ToString(), target), options, trace) { }

    /// <summary>
    /// A client for <paramref name="target"/>: over UDP, or over one TCP connection when the target says tcp: or tcp6:
    /// (RFC 3430: each message framed by its BER length; a try that times out is sent again on the same connection).
    /// </summary>
    public SnmpClient(SnmpTarget target, SnmpClientOptions options, SocketTrace? trace = null)
    {
        _target = target.EndPoint;
        _options = options;
        _tcp = target.Tcp;
        _blocking = options.WaitOnCallingThread && !_tcp;
        _socket = _tcp
            ? TracedSocket.Create(_target.AddressFamily, SocketType.Stream, ProtocolType.Tcp, trace)
            : TracedSocket.Create(_target.AddressFamily, SocketType.Dgram, ProtocolType.Udp, trace);
    }

    /// <summary>The agent.</summary>
    public IPEndPoint Target => _target;

    /// <summary>The max-repetitions the last bulk walk ended with (lower than asked when it had to adapt).</summary>
    public int MaxRepetitions { get; private set; }

    /// <summary>Told when a bulk walk lowers max-repetitions, and why.</summary>
    public Action<string>? Adapted { get; set; }

    /// <summary>
    /// Sends <paramref name="pdu"/> (its request-id is set here) and returns the agent's response. With SNMPv3 the
    /// agent's engine is discovered first (or taken from <see cref="SnmpClientOptions.EngineId"/>); a notInTimeWindow
    /// or unknownEngineID report makes it learn the time or the engine again and send once more, as net-snmp does;
    /// any other report is an error in net-snmp's words.
    /// </summary>
    public async Task<SnmpPdu> RequestAsync(SnmpPdu pdu, CancellationToken ct = default)
    {
        if (!_connected)
        {
            // A connected UDP socket hears ICMP port unreachable as "connection refused", and takes replies from the agent only.
            if (_blocking)
            {
                _socket.Connect(_target);
                // Equal slices of the timeout, none longer than WaitSlice, so the last one ends at the try's deadline.
                var slices = Math.Max(1, (int)Math.Ceiling(_options.Timeout / WaitSlice));
                _socket.SetReceiveTimeout(_options.Timeout / slices);
            }
            else await _socket.ConnectAsync(_target, _tcp ? _options.Timeout : null, ct).ConfigureAwait(false);
            _connected = true;
        }
        if (_options.Version == SnmpVersion.V3) return await RequestV3Async(pdu, ct).ConfigureAwait(false);
        var id = NextId();
        var message = SnmpMessage.ForCommunity(_options.Version, _options.Community, pdu with { RequestId = id });
        return await ExchangeAsync(message.Encode(), reply =>
        {
            // Decoded where it lies in the receive buffer: what the PDU keeps (OIDs, values) is copied out of it.
            if (!SnmpMessage.TryDecode(reply, out var m, out _)) return null;
            return m!.Pdu.RequestId == id && m.Pdu.Type == PduType.Response && m.Version == _options.Version ? m.Pdu : null;
        }, ct).ConfigureAwait(false);
    }

    private int NextId() => Interlocked.Increment(ref _requestId) & int.MaxValue;

    // Sends and waits for the datagram match accepts, sending again after each timeout; anything else is ignored.
    private async Task<T> ExchangeAsync<T>(byte[] bytes, Func<ReadOnlyMemory<byte>, T?> match, CancellationToken ct) where T : class
    {
        var tries = Math.Max(0, _options.Retries) + 1;
        for (var attempt = 0; attempt < tries; attempt++)
        {
            var deadline = Environment.TickCount64 + (long)Math.Ceiling(_options.Timeout.TotalMilliseconds);
            try
            {
                if (_blocking)
                {
                    if (ExchangeOnThisThread(bytes, match, deadline, ct) is { } answer) return answer;
                    continue;
                }
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(_options.Timeout);
                await SendAllAsync(bytes, ct).ConfigureAwait(false);
                while (true)
                {
                    var message = _tcp ? await ReceiveFrameAsync(timeout.Token).ConfigureAwait(false)
                        : _buffer.AsMemory(0, await _socket.ReceiveAsync(_buffer, timeout.Token).ConfigureAwait(false));
                    if (match(message) is { } answer) return answer;
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            catch (SockException ex) when (ex.SocketError == SocketError.ConnectionRefused && _refusedIsSilence)
            {
                // An inform is sent again until acknowledged, as snmpd's informsink does: a receiver not up yet is
                // silence, so wait out this try before the next.
                var left = deadline - Environment.TickCount64;
                if (left > 0)
                {
                    try { await Task.Delay(TimeSpan.FromMilliseconds(left), ct).ConfigureAwait(false); }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
                }
            }
            catch (SockException ex) when (ex.SocketError == SocketError.ConnectionRefused)
            {
                // ICMP port unreachable came back: no agent on that port; the socket's own wording lacks the target.
                throw new SockException(SockErrorKind.Network, "snmp request to", EndpointText.Format(_target),
                    "connection refused (no SNMP agent on that port)", SocketError.ConnectionRefused, ex);
            }
        }
        var why = _options.Version == SnmpVersion.V3
            ? "no answer: a wrong privacy password or engine ID, or no agent there"
            : "no answer: wrong community or version, or no agent there";
        throw new SockException(SockErrorKind.Network, "snmp request to", EndpointText.Format(_target),
            $"timed out after {Durations.Format(_options.Timeout)} × {tries} tr{(tries == 1 ? "y" : "ies")} ({why})", SocketError.TimedOut);
    }

    // One try on the calling thread: send, then blocking recvs (each at most WaitSlice, SO_RCVTIMEO) until match accepts
    // a datagram or the deadline passes (null). Two syscalls per request when the agent answers at once.
    private T? ExchangeOnThisThread<T>(byte[] bytes, Func<ReadOnlyMemory<byte>, T?> match, long deadline, CancellationToken ct) where T : class
    {
        _socket.Send(bytes);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var n = _socket.ReceiveWithin(_buffer);
            if (n >= 0 && match(_buffer.AsMemory(0, n)) is { } answer) return answer;
            if (Environment.TickCount64 >= deadline) return null;
        }
    }

    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        while (!bytes.IsEmpty)
        {
            var n = await _socket.SendAsync(bytes, ct).ConfigureAwait(false);
            if (!_tcp) return;
            bytes = bytes[n..];
        }
    }

    // The next whole message on the TCP connection (RFC 3430), reading as needed; what follows it stays for the next call.
    private async ValueTask<ReadOnlyMemory<byte>> ReceiveFrameAsync(CancellationToken ct)
    {
        // The frame handed out last time is gone from the front of the buffer now.
        if (_consumed > 0)
        {
            _buffer.AsSpan(_consumed, _streamFill - _consumed).CopyTo(_buffer);
            _streamFill -= _consumed;
            _consumed = 0;
        }
        while (true)
        {
            var length = SnmpStreamFraming.FrameLength(_buffer.AsSpan(0, _streamFill), out var error);
            if (length < 0)
                throw new SockException(SockErrorKind.Network, "snmp request to", EndpointText.Format(_target), $"the agent's TCP stream cannot be framed: {error}");
            if (length > 0 && _streamFill >= length)
            {
                _consumed = length;
                return _buffer.AsMemory(0, length);
            }
            var n = await _socket.ReceiveAsync(_buffer.AsMemory(_streamFill), ct).ConfigureAwait(false);
            if (n == 0)
                throw new SockException(SockErrorKind.Network, "snmp request to", EndpointText.Format(_target), "the agent closed the TCP connection", SocketError.ConnectionReset);
            _streamFill += n;
        }
    }

    private int _consumed;

    private async Task<SnmpPdu> RequestV3Async(SnmpPdu pdu, CancellationToken ct)
    {
        var user = _options.User ?? throw new InvalidOperationException("SNMPv3 needs SnmpClientOptions.User");
        var level = _options.SecurityLevel;
        if (level > user.HighestLevel) throw new InvalidOperationException($"the user's passwords do not allow {UsmNames.Level(level)}");
        _engine ??= _options.EngineId is { } given ? new SnmpRemoteEngine(given, 0, 0, user) : await DiscoverAsync(user, ct).ConfigureAwait(false);
        var again = false;
        while (true)
        {
            var engine = _engine;
            var messageId = NextId();
            var requestId = NextId();
            var header = new SnmpV3Header
            {
                MessageId = messageId,
                Flags = (byte)((int)level | 4),
                EngineId = engine.Id,
                EngineBoots = engine.Boots,
                EngineTime = engine.Time,
                UserName = user.Name,
                ContextEngineId = engine.Id,
                ContextName = _options.ContextName,
            };
            var bytes = UserSecurityModel.Encode(header, pdu with { RequestId = requestId }, level == SnmpSecurityLevel.NoAuthNoPriv ? null : engine.Keys);
            var (reply, signed) = await ExchangeAsync(bytes, d => MatchV3(d, messageId, requestId, engine, level), ct).ConfigureAwait(false);
            var h = reply.V3!;
            if (reply.Pdu.Type == PduType.Report)
            {
                var error = reply.Pdu.VarBinds.Count > 0 ? UsmErrors.FromOid(reply.Pdu.VarBinds[0].Oid) : null;
                // RFC 3414 §4: a signed notInTimeWindow report carries the engine's time; learn it and send once more.
                if (!again && error == UsmError.NotInTimeWindow && signed)
                {
                    engine.Learn(h.EngineBoots, h.EngineTime, force: true);
                    again = true;
                    continue;
                }
                if (!again && error == UsmError.UnknownEngineId && _options.EngineId is null)
                {
                    _engine = await DiscoverAsync(user, ct).ConfigureAwait(false);
                    again = true;
                    continue;
                }
                throw ReportError(error, reply);
            }
            if (signed) engine.Learn(h.EngineBoots, h.EngineTime);
            return reply.Pdu;
        }
    }

    // The reply to message messageId: a Report (checked when signed), or a Response that is signed, decrypted and
    // paired as the request asked. Whatever fails a check is ignored, as a forgery would be.
    private static V3Reply? MatchV3(ReadOnlyMemory<byte> datagram, int messageId, int requestId, SnmpRemoteEngine engine, SnmpSecurityLevel level)
    {
        var wire = datagram.ToArray();
        if (!SnmpMessage.TryDecode(wire, out var m, out _) || m!.Version != SnmpVersion.V3) return null;
        var h = m.V3!;
        if (h.MessageId != messageId || h.SecurityModel != 3) return null;
        var signed = false;
        if (h.Authenticated)
        {
            if (!h.EngineId.Span.SequenceEqual(engine.Id) || !UserSecurityModel.Authenticate(wire, engine.Keys)) return null;
            signed = true;
        }
        if (h.Private && !UserSecurityModel.TryDecrypt(m, engine.Keys, out m, out _)) return null;
        if (m.Pdu.Type == PduType.Report) return new V3Reply(m, signed);
        if (m.Pdu.Type != PduType.Response || m.Pdu.RequestId != requestId) return null;
        // A response below the request's level is not the agent's answer (RFC 3412 §7.2 step 12: same securityLevel).
        if (UserSecurityModel.LevelOf(h) != level) return null;
        return new V3Reply(m, signed);
    }

    private sealed record V3Reply(SnmpMessage Message, bool Signed);

    private async Task<SnmpRemoteEngine> DiscoverAsync(UsmUser user, CancellationToken ct)
    {
        // RFC 3414 §4: a noAuthNoPriv request with no engine ID and no user is answered with a usmStatsUnknownEngineIDs
        // report that carries the agent's engine ID, boots and time.
        var messageId = NextId();
        var header = new SnmpV3Header { MessageId = messageId, Flags = 4 };
        var bytes = UserSecurityModel.Encode(header, new SnmpPdu { Type = PduType.GetRequest, RequestId = NextId() }, null);
        var report = await ExchangeAsync(bytes, d =>
        {
            if (!SnmpMessage.TryDecode(d.ToArray(), out var m, out _) || m!.Version != SnmpVersion.V3) return null;
            return m.V3!.MessageId == messageId && m.Pdu.Type == PduType.Report && m.V3.EngineId.Length >= SnmpEngineId.MinLength ? m : null;
        }, ct).ConfigureAwait(false);
        return new SnmpRemoteEngine(report.V3!.EngineId.ToArray(), report.V3.EngineBoots, report.V3.EngineTime, user);
    }

    private SockException ReportError(UsmError? error, SnmpMessage report)
    {
        var words = error switch
        {
            null => $"Unknown Report message ({(report.Pdu.VarBinds.Count > 0 ? report.Pdu.VarBinds[0].Oid.ToString() : "no varbind")})",
            UsmError.UnknownContext => $"Unknown context \"{_options.ContextName}\" (the agent's snmpUnknownContexts report)",
            _ => UsmErrors.Words(error.Value),
        };
        return new SockException(SockErrorKind.Network, "snmp request to", EndpointText.Format(_target), words);
    }

    /// <summary>SetRequest: each varbind's value written; the agent sets all of them or none (RFC 3416 §4.2.5).</summary>
    public Task<SnmpPdu> SetAsync(IEnumerable<VarBind> varBinds, CancellationToken ct = default) =>
        RequestAsync(new SnmpPdu { Type = PduType.SetRequest, VarBinds = varBinds.ToList() }, ct);

    /// <summary>
    /// InformRequest (RFC 3416 §4.2.7; <paramref name="varBinds"/> as <see cref="SnmpNotification.VarBinds"/> makes
    /// them): sent again after each timeout, and after a refusal (the receiver may not be up yet), until the receiver's
    /// Response acknowledges it or the retries run out. With SNMPv3 the receiver is the authoritative engine: its engine
    /// is discovered first, as for a Get.
    /// </summary>
    public async Task<SnmpPdu> InformAsync(IEnumerable<VarBind> varBinds, CancellationToken ct = default)
    {
        if (_options.Version == SnmpVersion.V1) throw new NotSupportedException("SNMPv1 has no InformRequest");
        _refusedIsSilence = true;
        try { return await RequestAsync(new SnmpPdu { Type = PduType.InformRequest, VarBinds = varBinds.ToList() }, ct).ConfigureAwait(false); }
        finally { _refusedIsSilence = false; }
    }

    /// <summary>
    /// SNMPv2-Trap (RFC 3416 §4.2.6): sent once, never acknowledged. With SNMPv3 the sender is the authoritative engine
    /// (RFC 3412 §4): the message carries <see cref="SnmpClientOptions.EngineId"/> as this side's own engine ID (a random
    /// one when null), boots 1 and the seconds since the first trap, and the user's keys are localised to it; the
    /// receiver must know the user under that engine ID (snmptrapd's <c>createUser -e</c>), as with net-snmp's snmptrap -e.
    /// </summary>
    public async Task SendTrapAsync(IEnumerable<VarBind> varBinds, CancellationToken ct = default)
    {
        if (_options.Version == SnmpVersion.V1) throw new NotSupportedException("SNMPv1's Trap-PDU is not supported: send an SNMPv2-Trap (v2c or v3)");
        if (!_connected)
        {
            await _socket.ConnectAsync(_target, cancellationToken: ct).ConfigureAwait(false);
            _connected = true;
        }
        var pdu = new SnmpPdu { Type = PduType.TrapV2, RequestId = NextId(), VarBinds = varBinds.ToList() };
        byte[] bytes;
        if (_options.Version == SnmpVersion.V3)
        {
            var user = _options.User ?? throw new InvalidOperationException("SNMPv3 needs SnmpClientOptions.User");
            var level = _options.SecurityLevel;
            if (level > user.HighestLevel) throw new InvalidOperationException($"the user's passwords do not allow {UsmNames.Level(level)}");
            var own = _ownEngine ??= new SnmpRemoteEngine(_options.EngineId ?? SnmpEngineId.Generate(), 1, 0, user);
            var header = new SnmpV3Header
            {
                MessageId = NextId(),
                Flags = (byte)level, // a trap is not reportable: nothing answers it
                EngineId = own.Id,
                EngineBoots = own.Boots,
                EngineTime = own.Time,
                UserName = user.Name,
                ContextEngineId = own.Id,
                ContextName = _options.ContextName,
            };
            bytes = UserSecurityModel.Encode(header, pdu, level == SnmpSecurityLevel.NoAuthNoPriv ? null : own.Keys);
        }
        else bytes = SnmpMessage.ForCommunity(_options.Version, _options.Community, pdu).Encode();
        await SendAllAsync(bytes, ct).ConfigureAwait(false);
    }

    /// <summary>GetRequest.</summary>
    public Task<SnmpPdu> GetAsync(IEnumerable<Oid> oids, CancellationToken ct = default) =>
        RequestAsync(SnmpPdu.Request(PduType.GetRequest, 0, oids), ct);

    /// <summary>GetNextRequest.</summary>
    public Task<SnmpPdu> GetNextAsync(IEnumerable<Oid> oids, CancellationToken ct = default) =>
        RequestAsync(SnmpPdu.Request(PduType.GetNextRequest, 0, oids), ct);

    /// <summary>
    /// Every instance under <paramref name="root"/> with GetNext, in order; a root with nothing under it is asked
    /// for with a Get, as snmpwalk does (so walking a scalar instance shows it).
    /// </summary>
    public async IAsyncEnumerable<VarBind> WalkAsync(Oid root, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var current = root;
        var any = false;
        while (true)
        {
            var pdu = await GetNextAsync([current], ct).ConfigureAwait(false);
            if (pdu.ErrorStatus == SnmpErrorStatus.NoSuchName) break; // v1's end of the MIB
            ThrowOnError(pdu, "walk");
            var vb = pdu.VarBinds.Count > 0 ? pdu.VarBinds[0] : null;
            if (vb is null || vb.Value.IsException || !vb.Oid.StartsWith(root) || vb.Oid == root) break;
            CheckIncreasing(current, vb.Oid);
            any = true;
            yield return vb;
            current = vb.Oid;
        }
        if (!any)
        {
            var pdu = await GetAsync([root], ct).ConfigureAwait(false);
            if (pdu.ErrorStatus == SnmpErrorStatus.NoError && pdu.VarBinds.Count == 1) yield return pdu.VarBinds[0];
        }
    }

    /// <summary>
    /// Every instance under <paramref name="root"/> with GetBulk. On tooBig, or a try that gets no answer at all,
    /// max-repetitions is halved (down to 1) and the request sent again; the walk goes on from where it was.
    /// </summary>
    public async IAsyncEnumerable<VarBind> BulkWalkAsync(Oid root, [EnumeratorCancellation] CancellationToken ct = default)
    {
        if (_options.Version == SnmpVersion.V1)
        {
            // SNMPv1 has no GetBulk: walk with GetNext as snmpbulkwalk -v1 would refuse to; sock does the useful thing.
            await foreach (var vb in WalkAsync(root, ct).ConfigureAwait(false)) yield return vb;
            yield break;
        }
        var reps = Math.Max(1, _options.MaxRepetitions);
        var current = root;
        var any = false;
        var done = false;
        while (!done)
        {
            SnmpPdu pdu;
            try
            {
                pdu = await RequestAsync(SnmpPdu.GetBulk(0, 0, reps, [current]), ct).ConfigureAwait(false);
            }
            catch (SockException ex) when (ex.SocketError == SocketError.TimedOut && reps > 1)
            {
                reps = Math.Max(1, reps / 2);
                Adapted?.Invoke($"no answer: max-repetitions lowered to {reps}");
                continue;
            }
            if (pdu.ErrorStatus == SnmpErrorStatus.TooBig && reps > 1)
            {
                reps = Math.Max(1, reps / 2);
                Adapted?.Invoke($"tooBig: max-repetitions lowered to {reps}");
                continue;
            }
            ThrowOnError(pdu, "bulkwalk");
            if (pdu.VarBinds.Count == 0) break;
            foreach (var vb in pdu.VarBinds)
            {
                if (vb.Value.IsException || !vb.Oid.StartsWith(root) || vb.Oid == root) { done = true; break; }
                CheckIncreasing(current, vb.Oid);
                any = true;
                yield return vb;
                current = vb.Oid;
            }
        }
        MaxRepetitions = reps;
        if (!any)
        {
            var pdu = await GetAsync([root], ct).ConfigureAwait(false);
            if (pdu.ErrorStatus == SnmpErrorStatus.NoError && pdu.VarBinds.Count == 1) yield return pdu.VarBinds[0];
        }
    }

    private void CheckIncreasing(Oid previous, Oid next)
    {
        // An agent that answers a GetNext with an OID not after the one asked would make a walk loop forever.
        if (next <= previous)
            throw new SockException(SockErrorKind.Network, "snmp walk of", EndpointText.Format(_target),
                $"the agent returned OIDs out of order ({next} after {previous}): stopped rather than loop");
    }

    private void ThrowOnError(SnmpPdu pdu, string what)
    {
        if (pdu.ErrorStatus == SnmpErrorStatus.NoError) return;
        var at = pdu.ErrorIndex > 0 && pdu.ErrorIndex <= pdu.VarBinds.Count ? $" at {pdu.VarBinds[pdu.ErrorIndex - 1].Oid}" : "";
        throw new SockException(SockErrorKind.Network, $"snmp {what} of", EndpointText.Format(_target),
            $"the agent answered {SnmpAgent.ErrorName(pdu.ErrorStatus)}{at}");
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}

using System.Buffers;
using System.Net;
using Sock.Core.Inspection;

namespace Sock.Core.Snmp;

/// <summary>
/// An SNMP command responder serving the machine's socket table and what goes with it: SNMPv2-MIB system and snmp
/// groups, IF-MIB, TCP-MIB, UDP-MIB and HOST-RESOURCES-MIB's hrSWRunTable. Transport-free: give it a request's bytes
/// and the sender, get the response's bytes (or null: dropped and counted). The tables are read in one go from the
/// same inspection code as sock stat and kept for <see cref="SnmpAgentOptions.Cache"/>, so a walk sees one snapshot.
/// Thread-safe.
/// </summary>
public sealed class SnmpAgent
{
    private readonly SnmpAgentOptions _options;
    private readonly Func<MibViewBuilder, MibView>? _source;
    private SystemGroup _system;
    private readonly bool _contactFixed, _locationFixed;
    private readonly long _started = Environment.TickCount64;
    private readonly Lock _refresh = new();
    private readonly HashSet<string> _communities;
    private readonly HashSet<string> _writeCommunities;
    private readonly SnmpLocalEngine _engine;
    private MibView? _view;
    private long _viewTakenAt;

    /// <summary>An agent for this machine.</summary>
    public SnmpAgent(SnmpAgentOptions options) : this(options, null) { }

    // Tests can give their own view builder; null reads this machine.
    internal SnmpAgent(SnmpAgentOptions options, Func<MibViewBuilder, MibView>? source)
    {
        if (options.MaxMessageSize is < 484 or > 65507)
            throw new ArgumentOutOfRangeException(nameof(options), "the maximum message size must be 484 to 65507");
        _options = options;
        _source = source;
        _communities = new HashSet<string>(options.Communities, StringComparer.Ordinal);
        _writeCommunities = new HashSet<string>(options.WriteCommunities, StringComparer.Ordinal);
        _system = SystemGroup.ForThisMachine(options.Contact, options.Location);
        // As snmpd: sysContact and sysLocation given in its configuration are fixed (notWritable); else a Set may change them.
        _contactFixed = options.Contact.Length > 0;
        _locationFixed = options.Location.Length > 0;
        // Users' keys are localised here, once: the 1 MiB password hash is not paid per request.
        if (options.EngineBoots < 1) throw new ArgumentOutOfRangeException(nameof(options), "engineBoots must be 1 to 2147483647");
        _engine = new SnmpLocalEngine(options.EngineId ?? SnmpEngineId.Generate(), options.Users, options.EngineBoots);
    }

    /// <summary>The SNMPv3 engine ID (snmpEngineID), given or drawn at random when the agent was made.</summary>
    public ReadOnlyMemory<byte> EngineId => _engine.EngineId;

    /// <summary>snmpEngineBoots: <see cref="SnmpAgentOptions.EngineBoots"/> (1 for a new engine).</summary>
    public int EngineBoots => _engine.Boots;

    /// <summary>snmpEngineTime: seconds since the agent was made.</summary>
    public int EngineTime => _engine.Time;

    /// <summary>The counters: requests, drops and why.</summary>
    public SnmpAgentCounters Counters { get; } = new();

    /// <summary>Told about every request, answered or dropped (the -v log).</summary>
    public Action<SnmpRequestRecord>? Log { get; set; }

    /// <summary>How long the agent has run: sysUpTime.</summary>
    public TimeSpan UpTime => TimeSpan.FromMilliseconds(Environment.TickCount64 - _started);

    /// <summary>The current snapshot, read again when older than the cache time.</summary>
    public MibView View()
    {
        var now = Environment.TickCount64;
        var view = Volatile.Read(ref _view);
        if (view is not null && now - Volatile.Read(ref _viewTakenAt) < _options.Cache.TotalMilliseconds) return view;
        lock (_refresh)
        {
            // Another request may have refreshed it while this one waited.
            if (_view is not null && Environment.TickCount64 - _viewTakenAt < _options.Cache.TotalMilliseconds) return _view;
            var fresh = Read();
            Volatile.Write(ref _viewTakenAt, Environment.TickCount64);
            Volatile.Write(ref _view, fresh);
            return fresh;
        }
    }

    private MibView Read()
    {
        var b = new MibViewBuilder();
        if (_source is not null) return _source(b);
        Volatile.Read(ref _system).AddTo(b, UpTime);
        AddSnmpGroup(b);
        AddV3Groups(b);
        IfMib.AddTo(b);
        var reader = SocketTableReaders.ForThisMachine();
        var rows = reader.Read(new SocketTableQuery(SocketKinds.Tcp | SocketKinds.Udp));
        rows = SocketOwnerIndex.Scan().Attach(rows);
        var counters = ProtocolCounters.Read();
        TcpMib.AddTo(b, rows.Where(r => r.Netid == "tcp"), counters);
        UdpMib.AddTo(b, rows.Where(r => r.Netid == "udp"), counters);
        HostResourcesMib.AddTo(b);
        if (_options.Server is { } server) SockMib.AddTo(b, server(), DateTimeOffset.UtcNow);
        return b.Build();
    }

    private void AddSnmpGroup(MibViewBuilder b)
    {
        var s = MibOids.Snmp;
        var c = Counters;
        b.Scalar(s.Append(1), SnmpValue.Counter32(unchecked((uint)c.InPackets)));
        b.Scalar(s.Append(3), SnmpValue.Counter32(unchecked((uint)c.BadVersion)));
        b.Scalar(s.Append(4), SnmpValue.Counter32(unchecked((uint)c.BadCommunity)));
        b.Scalar(s.Append(6), SnmpValue.Counter32(unchecked((uint)c.Malformed)));
        b.Scalar(s.Append(30), SnmpValue.Integer(2)); // snmpEnableAuthenTraps: disabled
        b.Scalar(s.Append(31), SnmpValue.Counter32(unchecked((uint)c.Silent)));
        b.Scalar(s.Append(32), SnmpValue.Counter32(0));
    }

    // SNMP-FRAMEWORK-MIB's snmpEngine group, SNMP-MPD-MIB's and SNMP-TARGET-MIB's counters, SNMP-USER-BASED-SM-MIB's usmStats.
    private void AddV3Groups(MibViewBuilder b)
    {
        var c = Counters;
        static SnmpValue C(long v) => SnmpValue.Counter32(unchecked((uint)v));
        b.Scalar(Oid.Parse("1.3.6.1.6.3.10.2.1.1"), SnmpValue.OctetString(_engine.EngineId));
        b.Scalar(Oid.Parse("1.3.6.1.6.3.10.2.1.2"), SnmpValue.Integer(_engine.Boots));
        b.Scalar(Oid.Parse("1.3.6.1.6.3.10.2.1.3"), SnmpValue.Integer(_engine.Time));
        b.Scalar(Oid.Parse("1.3.6.1.6.3.10.2.1.4"), SnmpValue.Integer(65507));
        b.Scalar(Oid.Parse("1.3.6.1.6.3.11.2.1.1"), C(c.UnknownSecurityModel));
        b.Scalar(Oid.Parse("1.3.6.1.6.3.11.2.1.2"), C(c.InvalidMessage));
        b.Scalar(Oid.Parse("1.3.6.1.6.3.11.2.1.3"), C(c.UnknownPduHandler));
        b.Scalar(Oid.Parse("1.3.6.1.6.3.12.1.5"), C(c.UnknownContext));
        foreach (var e in new[] { UsmError.UnsupportedSecLevel, UsmError.NotInTimeWindow, UsmError.UnknownUserName, UsmError.UnknownEngineId, UsmError.WrongDigest, UsmError.DecryptionError })
            b.Scalar(UsmErrors.UsmStats.Append((uint)e), C(e switch
            {
                UsmError.UnsupportedSecLevel => c.UnsupportedSecLevel,
                UsmError.NotInTimeWindow => c.NotInTimeWindow,
                UsmError.UnknownUserName => c.UnknownUserName,
                UsmError.UnknownEngineId => c.UnknownEngineId,
                UsmError.WrongDigest => c.WrongDigest,
                _ => c.DecryptionError,
            }));
    }

    /// <summary>
    /// Serves one stream connection (RFC 3430, SNMP over TCP): each message framed by its own BER length is answered as a
    /// datagram would be, the response written back on the same connection. A frame that cannot be read (not a SEQUENCE,
    /// an indefinite length, longer than 65535 bytes) closes the connection and is counted as a parse error; so memory
    /// stays within one message per connection.
    /// </summary>
    public async ValueTask ServeAsync(Sock.Core.Connections.Connection connection)
    {
        var peer = connection.RemoteEndPoint ?? new System.Net.IPEndPoint(System.Net.IPAddress.None, 0);
        var input = connection.Input;
        while (true)
        {
            var read = await input.ReadAsync().ConfigureAwait(false);
            var buffer = read.Buffer;
            try
            {
                while (true)
                {
                    var length = SnmpStreamFraming.FrameLength(buffer, out var error);
                    if (length < 0)
                    {
                        Interlocked.Increment(ref Counters.InPkts);
                        Interlocked.Increment(ref Counters.AsnParseErrs);
                        Interlocked.Increment(ref Counters.StreamsClosed);
                        Report(peer.ToString() ?? "?", null, "closed", error);
                        connection.Abort($"snmp over tcp: {error}");
                        return;
                    }
                    if (length == 0 || buffer.Length < length) break;
                    var message = buffer.Slice(0, length).ToArray();
                    buffer = buffer.Slice(length);
                    if (Handle(message, peer) is { } reply)
                    {
                        var flush = await connection.SendAsync(new System.Buffers.ReadOnlySequence<byte>(reply)).ConfigureAwait(false);
                        if (flush.IsCompleted || flush.IsCanceled) return;
                    }
                }
                if (read.IsCompleted || read.IsCanceled) return;
            }
            finally
            {
                // Consumed up to the last whole frame; the rest examined, so the next read waits for more bytes.
                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
    }

    /// <summary>Answers one request from <paramref name="peer"/>: the response's bytes, or null when it is dropped.</summary>
    public byte[]? Handle(ReadOnlyMemory<byte> request, EndPoint peer)
    {
        Interlocked.Increment(ref Counters.InPkts);
        var peerText = peer.ToString() ?? "?";
        if (_options.Admit is { } admit && peer is IPEndPoint ip && !admit(ip.Address))
        {
            Interlocked.Increment(ref Counters.Denied);
            Report(peerText, null, "dropped", "not on the allow list");
            return null;
        }
        if (!SnmpMessage.TryDecode(request, out var message, out var error))
        {
            if (error is not null && error.StartsWith("unknown version", StringComparison.Ordinal)) Interlocked.Increment(ref Counters.BadVersions);
            else Interlocked.Increment(ref Counters.AsnParseErrs);
            Report(peerText, null, "dropped", error);
            return null;
        }
        if (message!.Version == SnmpVersion.V3) return HandleV3(message, request.Span, peerText);
        var writable = _writeCommunities.Contains(message.CommunityText);
        if (!writable && !_communities.Contains(message.CommunityText))
        {
            Interlocked.Increment(ref Counters.BadCommunityNames);
            Report(peerText, message, "dropped", "unknown community");
            return null;
        }
        if (!message.Pdu.IsRequest)
        {
            Interlocked.Increment(ref Counters.SilentDrops);
            Report(peerText, message, "dropped", $"a {message.Pdu.Type} is not a request");
            return null;
        }
        var response = Respond(message.Version, message.Pdu, _options.MaxMessageSize - Overhead(message), writable);
        var bytes = (message with { Pdu = response }).Encode();
        if (bytes.Length > _options.MaxMessageSize)
        {
            // Only a tooBig could be this large when the request itself was: nothing fits, say so silently.
            Interlocked.Increment(ref Counters.SilentDrops);
            Report(peerText, message, "dropped", "even the tooBig response would exceed the maximum message size");
            return null;
        }
        if (response.ErrorStatus == SnmpErrorStatus.TooBig) Interlocked.Increment(ref Counters.TooBigs);
        Interlocked.Increment(ref Counters.OutPkts);
        Report(peerText, message, "answered", response.ErrorStatusCode == 0 ? null : ErrorName(response.ErrorStatus), response.VarBinds.Count, bytes.Length);
        return bytes;
    }

    private byte[]? HandleV3(SnmpMessage message, ReadOnlySpan<byte> wire, string peerText)
    {
        var check = _engine.Check(message, wire, Counters);
        if (check.Dropped is { } why)
        {
            Report(peerText, message, "dropped", why);
            return null;
        }
        if (check.Error is { } error)
        {
            // RFC 3412 §7.2 step 3: only a reportable message is told why it failed.
            if (!message.V3!.Reportable)
            {
                Report(peerText, message, "dropped", $"{UsmErrors.CounterName(error)} (not reportable)");
                return null;
            }
            var report = _engine.Report(check);
            Interlocked.Increment(ref Counters.OutPkts);
            Report(peerText, check.Message, "reported", UsmErrors.CounterName(error), 1, report.Length);
            return report;
        }
        var m = check.Message;
        if (!m.Pdu.IsRequest)
        {
            Interlocked.Increment(ref Counters.SilentDrops);
            Report(peerText, m, "dropped", $"a {m.Pdu.Type} is not a request");
            return null;
        }
        SnmpPdu response;
        if (UserSecurityModel.LevelOf(m.V3!) < check.User!.EffectiveMinimumLevel)
        {
            // Below what this user is allowed at (net-snmp's rouser level): the access control's answer (RFC 3413 §3.2 step 4).
            Interlocked.Increment(ref Counters.AuthorizationErrors);
            response = new SnmpPdu { Type = PduType.Response, RequestId = m.Pdu.RequestId, ErrorStatusCode = (int)SnmpErrorStatus.AuthorizationError, VarBinds = m.Pdu.VarBinds };
        }
        else
        {
            // The manager's msgMaxSize bounds the answer too (RFC 3412 §7.1 step 10).
            var max = Math.Min(_options.MaxMessageSize, m.V3!.MaxSize);
            var overhead = _engine.Wrap(check, new SnmpPdu { Type = PduType.Response, RequestId = m.Pdu.RequestId, ErrorStatusCode = 18, ErrorIndex = 2 << 20 }).Length + 20;
            response = Respond(SnmpVersion.V3, m.Pdu, max - overhead, check.User!.CanWrite);
        }
        var bytes = _engine.Wrap(check, response);
        if (bytes.Length > Math.Min(_options.MaxMessageSize, m.V3!.MaxSize))
        {
            Interlocked.Increment(ref Counters.SilentDrops);
            Report(peerText, m, "dropped", "even the tooBig response would exceed the maximum message size");
            return null;
        }
        if (response.ErrorStatus == SnmpErrorStatus.TooBig) Interlocked.Increment(ref Counters.TooBigs);
        Interlocked.Increment(ref Counters.OutPkts);
        Report(peerText, m, "answered", response.ErrorStatusCode == 0 ? null : ErrorName(response.ErrorStatus), response.VarBinds.Count, bytes.Length);
        return bytes;
    }

    // The bytes a response takes besides its varbinds, with room for the three enclosing lengths to grow.
    private static int Overhead(SnmpMessage request) =>
        (request with { Pdu = new SnmpPdu { Type = PduType.Response, RequestId = request.Pdu.RequestId, ErrorStatusCode = 18, ErrorIndex = 2 << 20 } }).Encode().Length + 12;

    internal SnmpPdu Respond(SnmpVersion version, SnmpPdu request, int budget, bool writable = false)
    {
        switch (request.Type)
        {
            case PduType.GetRequest: Interlocked.Increment(ref Counters.Gets); break;
            case PduType.GetNextRequest: Interlocked.Increment(ref Counters.GetNexts); break;
            case PduType.GetBulkRequest: Interlocked.Increment(ref Counters.GetBulks); break;
            default: Interlocked.Increment(ref Counters.Sets); break;
        }
        if (request.Type == PduType.SetRequest) return Set(version == SnmpVersion.V1, request, writable);
        var view = View();
        var v1 = version == SnmpVersion.V1;
        var vbs = request.VarBinds;
        var results = new List<VarBind>(vbs.Count);
        var used = 0;
        SnmpPdu Error(SnmpErrorStatus status, int index) =>
            new() { Type = PduType.Response, RequestId = request.RequestId, ErrorStatusCode = (int)status, ErrorIndex = index, VarBinds = vbs };
        SnmpPdu TooBig() => new() { Type = PduType.Response, RequestId = request.RequestId, ErrorStatusCode = (int)SnmpErrorStatus.TooBig };

        switch (request.Type)
        {
            case PduType.GetRequest:
            case PduType.GetNextRequest:
                for (var i = 0; i < vbs.Count; i++)
                {
                    VarBind answer;
                    if (request.Type == PduType.GetRequest)
                    {
                        var value = view.Get(vbs[i].Oid);
                        if (v1 && (value.IsException || value.Type == SnmpValueType.Counter64)) return Error(SnmpErrorStatus.NoSuchName, i + 1);
                        answer = new VarBind(vbs[i].Oid, value);
                    }
                    else if (view.TryNext(vbs[i].Oid, v1, out var next)) answer = next;
                    else if (v1) return Error(SnmpErrorStatus.NoSuchName, i + 1);
                    else answer = new VarBind(vbs[i].Oid, SnmpValue.EndOfMibView);
                    used += SnmpCodec.EncodedLength(answer);
                    if (used > budget) return TooBig();
                    results.Add(answer);
                }
                break;
            case PduType.GetBulkRequest:
                if (v1) return Error(SnmpErrorStatus.GenErr, 0); // v1 has no GetBulk; a v1 message carrying one is answered genErr
                var nonRepeaters = Math.Clamp(request.NonRepeaters, 0, vbs.Count);
                var maxRepetitions = Math.Max(0, request.MaxRepetitions);
                for (var i = 0; i < nonRepeaters; i++)
                {
                    var answer = view.TryNext(vbs[i].Oid, false, out var next) ? next : new VarBind(vbs[i].Oid, SnmpValue.EndOfMibView);
                    used += SnmpCodec.EncodedLength(answer);
                    if (used > budget) return TooBig();
                    results.Add(answer);
                }
                var repeaters = vbs.Skip(nonRepeaters).Select(v => v.Oid).ToArray();
                // RFC 3416 §4.2.3: repetitions go on until max-repetitions, or every repeater has hit the end; a
                // response that would not fit is trimmed at the last whole varbind.
                for (var r = 0; r < maxRepetitions && repeaters.Length > 0; r++)
                {
                    var allEnded = true;
                    for (var j = 0; j < repeaters.Length; j++)
                    {
                        VarBind answer;
                        if (view.TryNext(repeaters[j], false, out var next)) { answer = next; allEnded = false; }
                        else answer = new VarBind(repeaters[j], SnmpValue.EndOfMibView);
                        var size = SnmpCodec.EncodedLength(answer);
                        if (used + size > budget)
                        {
                            if (results.Count == 0) return TooBig();
                            return new SnmpPdu { Type = PduType.Response, RequestId = request.RequestId, VarBinds = results };
                        }
                        used += size;
                        results.Add(answer);
                        repeaters[j] = answer.Oid;
                    }
                    if (allEnded) break;
                }
                break;
        }
        return new SnmpPdu { Type = PduType.Response, RequestId = request.RequestId, VarBinds = results };
    }

    /// <summary>
    /// A SetRequest (RFC 3416 §4.2.5) on the writable part: sysContact.0, sysName.0, sysLocation.0 (the ones snmpd lets
    /// a manager set when its configuration does not fix them), DisplayStrings of at most 255 bytes. Every varbind is
    /// checked before any is applied, so a Set changes all of them or none. A read-only principal gets noAccess, any
    /// other object notWritable, a value of another type wrongType, a longer one wrongLength; SNMPv1 hears these as
    /// noSuchName and badValue (RFC 3584 §4.4), as from snmpd. Values live as long as the agent (snmpd's persist too).
    /// </summary>
    private SnmpPdu Set(bool v1, SnmpPdu request, bool writable)
    {
        var vbs = request.VarBinds;
        SnmpPdu Error(SnmpErrorStatus status, SnmpErrorStatus v1Status, int index) =>
            new() { Type = PduType.Response, RequestId = request.RequestId, ErrorStatusCode = (int)(v1 ? v1Status : status), ErrorIndex = index, VarBinds = vbs };
        var targets = new uint[vbs.Count];
        for (var i = 0; i < vbs.Count; i++)
        {
            if (!writable) return Error(SnmpErrorStatus.NoAccess, SnmpErrorStatus.NoSuchName, i + 1);
            var oid = vbs[i].Oid;
            var arc = oid.Length == MibOids.System.Length + 2 && oid.StartsWith(MibOids.System) && oid.Arcs[^1] == 0 ? oid.Arcs[^2] : 0u;
            if (arc is not (4 or 5 or 6) || (arc == 4 && _contactFixed) || (arc == 6 && _locationFixed))
                return Error(SnmpErrorStatus.NotWritable, SnmpErrorStatus.NoSuchName, i + 1);
            if (vbs[i].Value.Type != SnmpValueType.OctetString) return Error(SnmpErrorStatus.WrongType, SnmpErrorStatus.BadValue, i + 1);
            if (vbs[i].Value.Bytes.Length > 255) return Error(SnmpErrorStatus.WrongLength, SnmpErrorStatus.BadValue, i + 1);
            targets[i] = arc;
        }
        lock (_refresh)
        {
            var system = _system;
            for (var i = 0; i < vbs.Count; i++)
            {
                var text = System.Text.Encoding.UTF8.GetString(vbs[i].Value.Bytes);
                system = targets[i] switch
                {
                    4 => system with { Contact = text },
                    5 => system with { Name = text },
                    _ => system with { Location = text },
                };
            }
            Volatile.Write(ref _system, system);
            // The next request reads the new values: the snapshot is taken again.
            Volatile.Write(ref _view, null);
        }
        return new SnmpPdu { Type = PduType.Response, RequestId = request.RequestId, VarBinds = vbs };
    }

    private void Report(string peer, SnmpMessage? message, string outcome, string? error, int varbinds = 0, int bytes = 0)
    {
        if (Log is not { } log) return;
        log(new SnmpRequestRecord
        {
            Time = DateTimeOffset.Now,
            Peer = peer,
            Version = message is null ? null : VersionName(message.Version),
            Pdu = message?.Pdu.Type.ToString(),
            Principal = message is null ? null : message.Version == SnmpVersion.V3 ? message.V3?.UserName : message.CommunityText,
            Oids = message is null ? [] : message.Pdu.VarBinds.Select(v => v.Oid.ToString()).ToList(),
            Outcome = outcome,
            Error = error,
            VarBinds = varbinds,
            Bytes = bytes,
        });
    }

    /// <summary>v1, v2c, v3.</summary>
    internal static string VersionName(SnmpVersion v) => v switch { SnmpVersion.V1 => "v1", SnmpVersion.V2c => "v2c", _ => "v3" };

    /// <summary>An error-status as RFC 3416 spells it (tooBig, noSuchName…).</summary>
    internal static string ErrorName(SnmpErrorStatus status)
    {
        var s = status.ToString();
        return char.ToLowerInvariant(s[0]) + s[1..];
    }
}

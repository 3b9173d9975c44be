namespace Sock.Core.Snmp;

/// <summary>
/// An agent's SNMPv3 engine (RFC 3411, RFC 3414 as the authoritative side): its engine ID, boots and time, and its
/// USM users with their keys localised to that engine ID once, at start. It checks each incoming message in RFC
/// 3414 §3.2's order — engine, user, level, MAC, time window, decryption — and the context (RFC 3412, 3413), counts
/// every failure and builds the Report that tells the manager; it wraps answers at the request's level.
/// engineBoots is the caller's: 1 for a new engine (a new random engine ID per run, so a manager can never confuse two
/// runs), or one more than the last run's when the caller keeps the engine's state (sock agent --engine-boots-file).
/// </summary>
internal sealed class SnmpLocalEngine
{
    private readonly Dictionary<string, (UsmUser User, UsmLocalKeys Keys)> _users = new(StringComparer.Ordinal);
    private readonly long _started = Environment.TickCount64;

    public SnmpLocalEngine(byte[] engineId, IEnumerable<UsmUser> users, int boots = 1)
    {
        if (engineId.Length is < SnmpEngineId.MinLength or > SnmpEngineId.MaxLength)
            throw new ArgumentException("an engine ID is 5 to 32 bytes", nameof(engineId));
        EngineId = engineId;
        Boots = boots;
        foreach (var u in users)
        {
            if (u.Problem() is { } problem) throw new ArgumentException($"user {u.Name}: {problem}", nameof(users));
            if (!_users.TryAdd(u.Name, (u, UsmKeys.For(u, engineId)))) throw new ArgumentException($"user {u.Name} is given twice", nameof(users));
        }
    }

    /// <summary>snmpEngineID.</summary>
    public byte[] EngineId { get; }

    /// <summary>snmpEngineBoots.</summary>
    public int Boots { get; }

    /// <summary>snmpEngineTime: seconds since the engine started.</summary>
    public int Time => (int)Math.Min(int.MaxValue, (Environment.TickCount64 - _started) / 1000);

    /// <summary>How many users it has.</summary>
    public int UserCount => _users.Count;

    /// <summary>
    /// Checks one v3 message. The result carries the decrypted message, its user and keys when it may be answered;
    /// or the error to report (counted); or why it is dropped without a word (counted too).
    /// </summary>
    public UsmCheck Check(SnmpMessage message, ReadOnlySpan<byte> wire, SnmpAgentCounters c)
    {
        var h = message.V3!;
        if (h.SecurityModel != 3)
        {
            Interlocked.Increment(ref c.UnknownSecurityModels);
            return UsmCheck.Drop(message, $"security model {h.SecurityModel} (only USM, 3, is served)");
        }
        if ((h.Flags & 3) == 2)
        {
            Interlocked.Increment(ref c.InvalidMsgs);
            return UsmCheck.Drop(message, "msgFlags asks for privacy without authentication");
        }
        if (h.Private != h.EncryptedPdu.HasValue)
        {
            Interlocked.Increment(ref c.AsnParseErrs);
            return UsmCheck.Drop(message, h.Private ? "the privacy flag with a scoped PDU in clear" : "an encrypted PDU without the privacy flag");
        }
        if (!h.EngineId.Span.SequenceEqual(EngineId))
            return Fail(message, UsmError.UnknownEngineId, ref c.UnknownEngineIds);
        if (!_users.TryGetValue(h.UserName, out var entry))
            return Fail(message, UsmError.UnknownUserName, ref c.UnknownUserNames);
        var (user, keys) = entry;
        var level = UserSecurityModel.LevelOf(h);
        if (level > user.HighestLevel)
            return Fail(message, UsmError.UnsupportedSecLevel, ref c.UnsupportedSecLevels, user);
        if (h.Authenticated)
        {
            if (!UserSecurityModel.Authenticate(wire, keys))
                return Fail(message, UsmError.WrongDigest, ref c.WrongDigests, user);
            // RFC 3414 §3.2 step 7a: the same boots, and a time within 150 s of the engine's own.
            if (h.EngineBoots != Boots || Boots == int.MaxValue || Math.Abs((long)h.EngineTime - Time) > UserSecurityModel.TimeWindowSeconds)
                return Fail(message, UsmError.NotInTimeWindow, ref c.NotInTimeWindows, user, keys);
        }
        var clear = message;
        if (h.Private && !UserSecurityModel.TryDecrypt(message, keys, out clear, out _))
            return Fail(message, UsmError.DecryptionError, ref c.DecryptionErrors, user);
        var scoped = clear.V3!;
        if (!scoped.ContextEngineId.IsEmpty && !scoped.ContextEngineId.Span.SequenceEqual(EngineId))
            return Fail(clear, UsmError.UnknownPduHandler, ref c.UnknownPduHandlers, user);
        if (scoped.ContextName.Length != 0)
            return Fail(clear, UsmError.UnknownContext, ref c.UnknownContexts, user);
        return new UsmCheck(clear, user, keys, null, null, 0);
    }

    private static UsmCheck Fail(SnmpMessage message, UsmError error, ref long counter, UsmUser? user = null, UsmLocalKeys? keys = null)
    {
        var count = Interlocked.Increment(ref counter);
        return new UsmCheck(message, user, keys, error, null, unchecked((uint)count));
    }

    /// <summary>
    /// The Report for <paramref name="check"/>'s error (RFC 3412 §7.1 step 3): this engine's ID, boots and time, the
    /// counter's value, in clear — except notInTimeWindow, which is signed with the user's key (RFC 3414 §3.2 step
    /// 7a) so the manager may trust the time in it.
    /// </summary>
    public byte[] Report(UsmCheck check)
    {
        var h = check.Message.V3!;
        var signed = check.Error == UsmError.NotInTimeWindow && check.Keys is not null;
        var header = new SnmpV3Header
        {
            MessageId = h.MessageId,
            Flags = (byte)(signed ? 1 : 0),
            EngineId = EngineId,
            EngineBoots = Boots,
            EngineTime = Time,
            UserName = h.UserName,
            ContextEngineId = EngineId,
            ContextName = "",
        };
        var pdu = new SnmpPdu
        {
            Type = PduType.Report,
            // An encrypted request not decrypted has no request-id to give back: 0 then (net-snmp pairs reports by msgID).
            RequestId = h.EncryptedPdu.HasValue ? 0 : check.Message.Pdu.RequestId,
            VarBinds = [new VarBind(UsmErrors.CounterOid(check.Error!.Value), SnmpValue.Counter32(check.Count))],
        };
        return UserSecurityModel.Encode(header, pdu, signed ? check.Keys : null);
    }

    /// <summary>The answer to an accepted request, at the request's security level, with this engine's boots and time.</summary>
    public byte[] Wrap(UsmCheck request, SnmpPdu response)
    {
        var h = request.Message.V3!;
        var header = new SnmpV3Header
        {
            MessageId = h.MessageId,
            Flags = (byte)(h.Flags & 3),
            EngineId = EngineId,
            EngineBoots = Boots,
            EngineTime = Time,
            UserName = h.UserName,
            ContextEngineId = h.ContextEngineId.IsEmpty ? EngineId : h.ContextEngineId,
            ContextName = h.ContextName,
        };
        return UserSecurityModel.Encode(header, response, request.Keys);
    }
}

/// <summary>What <see cref="SnmpLocalEngine.Check"/> made of a message.</summary>
/// <param name="Message">The message, decrypted when it was accepted.</param>
/// <param name="User">Its user, once known.</param>
/// <param name="Keys">The user's localised keys, once known.</param>
/// <param name="Error">The error to report, or null.</param>
/// <param name="Dropped">Why it is dropped without a report, or null.</param>
/// <param name="Count">The reported counter's value.</param>
internal sealed record UsmCheck(SnmpMessage Message, UsmUser? User, UsmLocalKeys? Keys, UsmError? Error, string? Dropped, uint Count)
{
    public static UsmCheck Drop(SnmpMessage message, string why) => new(message, null, null, null, why, 0);

    public bool Accepted => Error is null && Dropped is null;
}

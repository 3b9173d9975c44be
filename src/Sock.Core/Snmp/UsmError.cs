namespace Sock.Core.Snmp;

/// <summary>
/// Why a message was refused, as the Report PDU names it: USM's usmStats counters (RFC 3414 §5) and the two of the
/// message processing and command responder (RFC 3412 snmpUnknownPDUHandlers, RFC 3413 snmpUnknownContexts).
/// </summary>
internal enum UsmError
{
    UnsupportedSecLevel = 1,
    NotInTimeWindow = 2,
    UnknownUserName = 3,
    UnknownEngineId = 4,
    WrongDigest = 5,
    DecryptionError = 6,
    UnknownContext = 100,
    UnknownPduHandler = 101,
}

/// <summary>Each <see cref="UsmError"/>'s counter OID, name and net-snmp's words for it.</summary>
internal static class UsmErrors
{
    /// <summary>usmStats (1.3.6.1.6.3.15.1.1): usmStatsUnsupportedSecLevels .1 to usmStatsDecryptionErrors .6.</summary>
    public static readonly Oid UsmStats = Oid.Parse("1.3.6.1.6.3.15.1.1");
    private static readonly Oid UnknownContexts = Oid.Parse("1.3.6.1.6.3.12.1.5.0");
    private static readonly Oid UnknownPduHandlers = Oid.Parse("1.3.6.1.6.3.11.2.1.3.0");

    public static Oid CounterOid(UsmError e) => e switch
    {
        UsmError.UnknownContext => UnknownContexts,
        UsmError.UnknownPduHandler => UnknownPduHandlers,
        _ => UsmStats.Append((uint)e, 0),
    };

    /// <summary>The error a Report's first varbind names, or null for an OID it is not.</summary>
    public static UsmError? FromOid(Oid oid)
    {
        if (oid == UnknownContexts) return UsmError.UnknownContext;
        if (oid == UnknownPduHandlers) return UsmError.UnknownPduHandler;
        if (oid.Length == UsmStats.Length + 2 && oid.StartsWith(UsmStats) && oid[^1] == 0 && oid[UsmStats.Length] is >= 1 and <= 6)
            return (UsmError)oid[UsmStats.Length];
        return null;
    }

    /// <summary>The counter's name in its MIB.</summary>
    public static string CounterName(UsmError e) => e switch
    {
        UsmError.UnsupportedSecLevel => "usmStatsUnsupportedSecLevels",
        UsmError.NotInTimeWindow => "usmStatsNotInTimeWindows",
        UsmError.UnknownUserName => "usmStatsUnknownUserNames",
        UsmError.UnknownEngineId => "usmStatsUnknownEngineIDs",
        UsmError.WrongDigest => "usmStatsWrongDigests",
        UsmError.DecryptionError => "usmStatsDecryptionErrors",
        UsmError.UnknownContext => "snmpUnknownContexts",
        _ => "snmpUnknownPDUHandlers",
    };

    /// <summary>What net-snmp's tools print for the report (snmp_api.c's error strings), so scripts read the same words.</summary>
    public static string Words(UsmError e) => e switch
    {
        UsmError.UnsupportedSecLevel => "Unsupported security level",
        UsmError.NotInTimeWindow => "Not in time window",
        UsmError.UnknownUserName => "Unknown user name",
        UsmError.UnknownEngineId => "Unknown engine ID",
        UsmError.WrongDigest => "Authentication failure (incorrect password, community or key)",
        UsmError.DecryptionError => "Decryption error",
        UsmError.UnknownContext => "Unknown context",
        _ => "Unknown PDU handler (the context engine ID is not the agent's)",
    };
}

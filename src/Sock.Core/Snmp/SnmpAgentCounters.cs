namespace Sock.Core.Snmp;

/// <summary>The agent's counters, as SNMPv2-MIB's snmp group and USM's statistics name them. Thread-safe.</summary>
public sealed class SnmpAgentCounters
{
    internal long InPkts, OutPkts, BadVersions, BadCommunityNames, AsnParseErrs, SilentDrops, Denied, TooBigs;
    internal long UnknownEngineIds, UnknownUserNames, WrongDigests, NotInTimeWindows, DecryptionErrors, UnsupportedSecLevels;
    internal long UnknownSecurityModels, InvalidMsgs, UnknownPduHandlers, UnknownContexts, AuthorizationErrors;
    internal long StreamsClosed;
    internal long Gets, GetNexts, GetBulks, Sets;

    /// <summary>GetRequests answered (snmpInGetRequests).</summary>
    public long GetRequests => Interlocked.Read(ref Gets);
    /// <summary>GetNextRequests answered (snmpInGetNexts).</summary>
    public long GetNextRequests => Interlocked.Read(ref GetNexts);
    /// <summary>GetBulkRequests answered.</summary>
    public long GetBulkRequests => Interlocked.Read(ref GetBulks);
    /// <summary>SetRequests answered, applied or refused (snmpInSetRequests).</summary>
    public long SetRequests => Interlocked.Read(ref Sets);

    /// <summary>snmpInPkts: every message received.</summary>
    public long InPackets => Interlocked.Read(ref InPkts);
    /// <summary>snmpOutPkts: every message sent.</summary>
    public long OutPackets => Interlocked.Read(ref OutPkts);
    /// <summary>snmpInBadVersions.</summary>
    public long BadVersion => Interlocked.Read(ref BadVersions);
    /// <summary>snmpInBadCommunityNames: v1/v2c with a community the agent does not serve.</summary>
    public long BadCommunity => Interlocked.Read(ref BadCommunityNames);
    /// <summary>snmpInASNParseErrs: malformed BER, dropped.</summary>
    public long Malformed => Interlocked.Read(ref AsnParseErrs);
    /// <summary>snmpSilentDrops: responses that would not fit even as tooBig, and unanswerable PDUs.</summary>
    public long Silent => Interlocked.Read(ref SilentDrops);
    /// <summary>Peers refused by the allow list.</summary>
    public long NotAllowed => Interlocked.Read(ref Denied);
    /// <summary>Responses answered tooBig.</summary>
    public long TooBig => Interlocked.Read(ref TooBigs);
    /// <summary>usmStatsUnknownEngineIDs.</summary>
    public long UnknownEngineId => Interlocked.Read(ref UnknownEngineIds);
    /// <summary>usmStatsUnknownUserNames.</summary>
    public long UnknownUserName => Interlocked.Read(ref UnknownUserNames);
    /// <summary>usmStatsWrongDigests.</summary>
    public long WrongDigest => Interlocked.Read(ref WrongDigests);
    /// <summary>usmStatsNotInTimeWindows.</summary>
    public long NotInTimeWindow => Interlocked.Read(ref NotInTimeWindows);
    /// <summary>usmStatsDecryptionErrors.</summary>
    public long DecryptionError => Interlocked.Read(ref DecryptionErrors);
    /// <summary>usmStatsUnsupportedSecLevels.</summary>
    public long UnsupportedSecLevel => Interlocked.Read(ref UnsupportedSecLevels);
    /// <summary>snmpUnknownSecurityModels: v3 messages of a security model other than USM, dropped.</summary>
    public long UnknownSecurityModel => Interlocked.Read(ref UnknownSecurityModels);
    /// <summary>snmpInvalidMsgs: v3 messages with impossible flags (privacy without authentication), dropped.</summary>
    public long InvalidMessage => Interlocked.Read(ref InvalidMsgs);
    /// <summary>snmpUnknownPDUHandlers: v3 requests for a context engine ID not the agent's.</summary>
    public long UnknownPduHandler => Interlocked.Read(ref UnknownPduHandlers);
    /// <summary>snmpUnknownContexts: v3 requests for a context name other than the default "".</summary>
    public long UnknownContext => Interlocked.Read(ref UnknownContexts);
    /// <summary>TCP connections closed because their stream could not be framed (RFC 3430): also counted as parse errors.</summary>
    public long ClosedStreams => Interlocked.Read(ref StreamsClosed);
    /// <summary>v3 requests below their user's minimum security level, answered authorizationError.</summary>
    public long AuthorizationError => Interlocked.Read(ref AuthorizationErrors);
}

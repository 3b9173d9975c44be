namespace Sock.Core.Snmp;

/// <summary>How an <see cref="SnmpClient"/> asks: version, community, patience. Defaults are net-snmp's.</summary>
public sealed class SnmpClientOptions
{
    /// <summary>v1, v2c (the default, as net-snmp's tools are usually run) or v3.</summary>
    public SnmpVersion Version { get; set; } = SnmpVersion.V2c;

    /// <summary>The community string sent with every request (net-snmp's -c): v1/v2c's only credential; "public" by default.</summary>
    public string Community { get; set; } = "public";

    /// <summary>How long to wait for each try: 1 s, net-snmp's -t default.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many times to send again after the first try: 5, net-snmp's -r default.</summary>
    public int Retries { get; set; } = 5;

    /// <summary>GetBulk's max-repetitions: 10, net-snmp's -Cr default.</summary>
    public int MaxRepetitions { get; set; } = 10;

    /// <summary>GetBulk's non-repeaters (0).</summary>
    public int NonRepeaters { get; set; }

    /// <summary>The SNMPv3 user (net-snmp's -u, -a, -A, -x, -X); required for v3.</summary>
    public UsmUser? User { get; set; }

    /// <summary>The SNMPv3 security level (-l): noAuthNoPriv by default, as net-snmp's.</summary>
    public SnmpSecurityLevel SecurityLevel { get; set; }

    /// <summary>
    /// The agent's engine ID when known in advance (-e): discovery is skipped, and the engine's time is learnt from
    /// the agent's first notInTimeWindow report. Null: discovered. For <see cref="SnmpClient.SendTrapAsync"/> it is
    /// this side's own engine ID instead (the sender of a trap is authoritative), as with net-snmp's snmptrap -e.
    /// </summary>
    public byte[]? EngineId { get; set; }

    /// <summary>The SNMPv3 context name (-n): "" (the default context) by default.</summary>
    public string ContextName { get; set; } = "";

    /// <summary>
    /// Over UDP, wait for each answer on the calling thread (a blocking recv with SO_RCVTIMEO, as net-snmp's tools
    /// wait) instead of through .NET's socket engine: a request then costs a send and a recv, with no hand-over
    /// between threads, which is most of a walk's cost on loopback. The thread is held while it waits, so use it
    /// when few clients run at once (one walk); false (the default) suits many concurrent clients. Cancellation is
    /// seen within a quarter of a second. TCP targets always use the socket engine.
    /// </summary>
    public bool WaitOnCallingThread { get; set; }
}

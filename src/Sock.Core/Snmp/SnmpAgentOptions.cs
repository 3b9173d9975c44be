namespace Sock.Core.Snmp;

/// <summary>What an <see cref="SnmpAgent"/> serves and to whom, with documented defaults.</summary>
public sealed class SnmpAgentOptions
{
    /// <summary>The default cache time: a walk within one second sees one snapshot.</summary>
    public static readonly TimeSpan DefaultCache = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The default largest response: 1472 bytes, what fits an Ethernet frame in one UDP datagram over IPv4, so no
    /// response is fragmented (net-snmp's agents use the same figure for UDP).
    /// </summary>
    public const int DefaultMaxMessageSize = 1472;

    /// <summary>The read-only communities (v1, v2c). None: v1 and v2c requests are not answered.</summary>
    public IReadOnlyList<string> Communities { get; set; } = [];

    /// <summary>
    /// The read-write communities (v1, v2c; snmpd's rwcommunity): they read as the read-only ones do and may also Set
    /// sysContact.0, sysName.0 and sysLocation.0. None: every Set is refused (noAccess).
    /// </summary>
    public IReadOnlyList<string> WriteCommunities { get; set; } = [];

    /// <summary>The SNMPv3 users (USM). None: v3 requests get the unknown-user report.</summary>
    public IReadOnlyList<UsmUser> Users { get; set; } = [];

    /// <summary>The SNMPv3 engine ID (RFC 3411, 5 to 32 bytes); null draws a new random one for each agent.</summary>
    public byte[]? EngineId { get; set; }

    /// <summary>
    /// snmpEngineBoots (RFC 3414 §2.2.2): 1 for a new engine. A caller that keeps the engine ID across restarts keeps
    /// this too and gives it one more at each start (net-snmp keeps both in its persistent snmpd.conf), so a manager's
    /// replay check sees a new boot rather than an old time. 1 to 2147483647.
    /// </summary>
    public int EngineBoots { get; set; } = 1;

    /// <summary>Who may ask: null admits every peer.</summary>
    public Func<System.Net.IPAddress, bool>? Admit { get; set; }

    /// <summary>How long a snapshot of the tables is served before it is read again.</summary>
    public TimeSpan Cache { get; set; } = DefaultCache;

    /// <summary>The largest response the agent sends (484 at least, as RFC 3417 requires every agent to take).</summary>
    public int MaxMessageSize { get; set; } = DefaultMaxMessageSize;

    /// <summary>sysContact.</summary>
    public string Contact { get; set; } = "";

    /// <summary>sysLocation.</summary>
    public string Location { get; set; } = "";

    /// <summary>
    /// The serving engine this agent runs beside (sock serve/forward/proxy --agent): read with each snapshot and served
    /// under <see cref="SockMib.Root"/>. Null: no sock subtree.
    /// </summary>
    public Func<SockServerStatus>? Server { get; set; }
}

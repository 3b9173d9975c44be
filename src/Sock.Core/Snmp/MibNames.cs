namespace Sock.Core.Snmp;

/// <summary>
/// The MIB objects sock knows by name — SNMPv2-MIB, IF-MIB, TCP-MIB, UDP-MIB, HOST-RESOURCES-MIB, sock's SOCK-MIB — and a few tree
/// nodes, so a walk reads as snmpwalk's with those MIBs loaded. Everything else stays numeric.
/// </summary>
public static class MibNames
{
    private static readonly Dictionary<long, string> TcpStates = Labels("closed", "listen", "synSent", "synReceived", "established",
        "finWait1", "finWait2", "closeWait", "lastAck", "closing", "timeWait", "deleteTCB");
    private static readonly Dictionary<long, string> UpDown = Labels("up", "down", "testing");
    private static readonly Dictionary<long, string> OperStatus = Labels("up", "down", "testing", "unknown", "dormant", "notPresent", "lowerLayerDown");
    private static readonly Dictionary<long, string> IfTypes = new() { [1] = "other", [6] = "ethernetCsmacd", [24] = "softwareLoopback", [53] = "propVirtual", [131] = "tunnel", [135] = "l2vlan", [161] = "ieee8023adLag", [209] = "bridge" };
    private static readonly Dictionary<long, string> RtoAlgorithms = Labels("other", "constant", "rsre", "vanj", "rfc2988");
    private static readonly Dictionary<long, string> RunTypes = Labels("unknown", "operatingSystem", "deviceDriver", "application");
    private static readonly Dictionary<long, string> RunStatus = Labels("running", "runnable", "notRunnable", "invalid");
    private static readonly Dictionary<long, string> EnabledDisabled = Labels("enabled", "disabled");
    private static readonly Dictionary<long, string> TruthValue = Labels("true", "false");
    private static readonly Dictionary<long, string> ConnStates = Labels("established", "closing", "closed", "other");

    private static readonly MibObject[] Objects = Build();
    private static readonly Dictionary<Oid, MibObject> ByOid = Objects.ToDictionary(o => o.Oid, OidArcsComparer.Instance);
    // Asked with a prefix of the varbind's arcs as it is, so a lookup allocates nothing.
    private static readonly Dictionary<Oid, MibObject>.AlternateLookup<ReadOnlySpan<uint>> ByArcs = ByOid.GetAlternateLookup<ReadOnlySpan<uint>>();
    // No known object is longer than this: a lookup starts there, not at a table row's 20-odd arcs of index.
    private static readonly int LongestOid = Objects.Max(o => o.Oid.Length);
    private static readonly Dictionary<string, MibObject> ByName = Objects.GroupBy(o => o.Name).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    private static Dictionary<long, string> Labels(params string[] names) =>
        names.Select((n, i) => (n, i)).ToDictionary(x => (long)(x.i + 1), x => x.n);

    private static MibObject[] Build()
    {
        var list = new List<MibObject>();
        void Add(string oid, string module, string name, MibIndex index = MibIndex.Plain, MibSyntax syntax = MibSyntax.None, IReadOnlyDictionary<long, string>? labels = null) =>
            list.Add(new MibObject(Oid.Parse(oid), module, name, index, labels is null ? syntax : MibSyntax.Enumeration, labels));
        void Columns(string entry, string module, MibIndex index, params (int Arc, string Name, MibSyntax Syntax, IReadOnlyDictionary<long, string>? Labels)[] columns)
        {
            foreach (var (arc, name, syntax, labels) in columns) Add($"{entry}.{arc}", module, name, index, syntax, labels);
        }
        const MibSyntax N = MibSyntax.None, D = MibSyntax.DisplayString;

        // Tree nodes, so unknown objects under them read as net-snmp prints them.
        Add("1.3.6.1.2.1", "SNMPv2-SMI", "mib-2");
        Add("1.3.6.1.4.1", "SNMPv2-SMI", "enterprises");
        Add("1.3.6.1.6.3", "SNMPv2-SMI", "snmpModules");
        Add("0.0", "SNMPv2-SMI", "zeroDotZero");
        Add("1.3.6.1.4.1.8072.3.2", "NET-SNMP-MIB", "netSnmpAgentOIDs");

        const string S = "SNMPv2-MIB";
        Add("1.3.6.1.2.1.1", S, "system");
        Add("1.3.6.1.2.1.1.1", S, "sysDescr", syntax: D);
        Add("1.3.6.1.2.1.1.2", S, "sysObjectID");
        Add("1.3.6.1.2.1.1.3", S, "sysUpTime");
        Add("1.3.6.1.2.1.1.4", S, "sysContact", syntax: D);
        Add("1.3.6.1.2.1.1.5", S, "sysName", syntax: D);
        Add("1.3.6.1.2.1.1.6", S, "sysLocation", syntax: D);
        Add("1.3.6.1.2.1.1.7", S, "sysServices");
        Add("1.3.6.1.2.1.1.8", S, "sysORLastChange");
        Columns("1.3.6.1.2.1.1.9.1", S, MibIndex.Plain, (1, "sysORIndex", N, null), (2, "sysORID", N, null), (3, "sysORDescr", D, null), (4, "sysORUpTime", N, null));
        Add("1.3.6.1.2.1.11", S, "snmp");
        foreach (var (arc, name) in new[] { (1, "snmpInPkts"), (2, "snmpOutPkts"), (3, "snmpInBadVersions"), (4, "snmpInBadCommunityNames"),
                     (5, "snmpInBadCommunityUses"), (6, "snmpInASNParseErrs"), (8, "snmpInTooBigs"), (9, "snmpInNoSuchNames"),
                     (10, "snmpInBadValues"), (11, "snmpInReadOnlys"), (12, "snmpInGenErrs"), (13, "snmpInTotalReqVars"),
                     (14, "snmpInTotalSetVars"), (15, "snmpInGetRequests"), (16, "snmpInGetNexts"), (17, "snmpInSetRequests"),
                     (18, "snmpInGetResponses"), (19, "snmpInTraps"), (20, "snmpOutTooBigs"), (21, "snmpOutNoSuchNames"),
                     (22, "snmpOutBadValues"), (24, "snmpOutGenErrs"), (25, "snmpOutGetRequests"), (26, "snmpOutGetNexts"),
                     (27, "snmpOutSetRequests"), (28, "snmpOutGetResponses"), (29, "snmpOutTraps"), (31, "snmpSilentDrops"), (32, "snmpProxyDrops") })
            Add($"1.3.6.1.2.1.11.{arc}", S, name);
        Add("1.3.6.1.2.1.11.30", S, "snmpEnableAuthenTraps", labels: EnabledDisabled);
        // The notification objects and the generic traps (RFC 3418), so snmptrap's arguments read as they are written.
        Add("1.3.6.1.6.3.1.1.4.1", S, "snmpTrapOID");
        Add("1.3.6.1.6.3.1.1.4.3", S, "snmpTrapEnterprise");
        foreach (var (arc, name) in new[] { (1, "coldStart"), (2, "warmStart"), (3, "linkDown"), (4, "linkUp"), (5, "authenticationFailure") })
            Add($"1.3.6.1.6.3.1.1.5.{arc}", arc is 3 or 4 ? "IF-MIB" : S, name);

        const string I = "IF-MIB";
        Add("1.3.6.1.2.1.2", I, "interfaces");
        Add("1.3.6.1.2.1.2.1", I, "ifNumber");
        Columns("1.3.6.1.2.1.2.2.1", I, MibIndex.Plain,
            (1, "ifIndex", N, null), (2, "ifDescr", D, null), (3, "ifType", N, IfTypes), (4, "ifMtu", N, null), (5, "ifSpeed", N, null),
            (6, "ifPhysAddress", MibSyntax.PhysAddress, null), (7, "ifAdminStatus", N, UpDown), (8, "ifOperStatus", N, OperStatus),
            (9, "ifLastChange", N, null), (10, "ifInOctets", N, null), (11, "ifInUcastPkts", N, null), (12, "ifInNUcastPkts", N, null),
            (13, "ifInDiscards", N, null), (14, "ifInErrors", N, null), (15, "ifInUnknownProtos", N, null), (16, "ifOutOctets", N, null),
            (17, "ifOutUcastPkts", N, null), (18, "ifOutNUcastPkts", N, null), (19, "ifOutDiscards", N, null), (20, "ifOutErrors", N, null),
            (21, "ifOutQLen", N, null), (22, "ifSpecific", N, null));
        Columns("1.3.6.1.2.1.31.1.1.1", I, MibIndex.Plain,
            (1, "ifName", D, null), (2, "ifInMulticastPkts", N, null), (3, "ifInBroadcastPkts", N, null), (4, "ifOutMulticastPkts", N, null),
            (5, "ifOutBroadcastPkts", N, null), (6, "ifHCInOctets", N, null), (7, "ifHCInUcastPkts", N, null), (8, "ifHCInMulticastPkts", N, null),
            (9, "ifHCInBroadcastPkts", N, null), (10, "ifHCOutOctets", N, null), (11, "ifHCOutUcastPkts", N, null), (12, "ifHCOutMulticastPkts", N, null),
            (13, "ifHCOutBroadcastPkts", N, null), (14, "ifLinkUpDownTrapEnable", N, EnabledDisabled), (15, "ifHighSpeed", N, null),
            (16, "ifPromiscuousMode", N, TruthValue), (17, "ifConnectorPresent", N, TruthValue), (18, "ifAlias", D, null), (19, "ifCounterDiscontinuityTime", N, null));

        const string T = "TCP-MIB";
        Add("1.3.6.1.2.1.6", T, "tcp");
        Add("1.3.6.1.2.1.6.1", T, "tcpRtoAlgorithm", labels: RtoAlgorithms);
        foreach (var (arc, name) in new[] { (2, "tcpRtoMin"), (3, "tcpRtoMax"), (4, "tcpMaxConn"), (5, "tcpActiveOpens"), (6, "tcpPassiveOpens"),
                     (7, "tcpAttemptFails"), (8, "tcpEstabResets"), (9, "tcpCurrEstab"), (10, "tcpInSegs"), (11, "tcpOutSegs"),
                     (12, "tcpRetransSegs"), (14, "tcpInErrs"), (15, "tcpOutRsts"), (17, "tcpHCInSegs"), (18, "tcpHCOutSegs") })
            Add($"1.3.6.1.2.1.6.{arc}", T, name);
        Columns("1.3.6.1.2.1.6.13.1", T, MibIndex.Plain, (1, "tcpConnState", N, TcpStates), (2, "tcpConnLocalAddress", N, null),
            (3, "tcpConnLocalPort", N, null), (4, "tcpConnRemAddress", N, null), (5, "tcpConnRemPort", N, null));
        Columns("1.3.6.1.2.1.6.19.1", T, MibIndex.InetPortInetPort, (7, "tcpConnectionState", N, TcpStates), (8, "tcpConnectionProcess", N, null));
        Columns("1.3.6.1.2.1.6.20.1", T, MibIndex.InetPort, (4, "tcpListenerProcess", N, null));

        const string U = "UDP-MIB";
        Add("1.3.6.1.2.1.7", U, "udp");
        foreach (var (arc, name) in new[] { (1, "udpInDatagrams"), (2, "udpNoPorts"), (3, "udpInErrors"), (4, "udpOutDatagrams"), (8, "udpHCInDatagrams"), (9, "udpHCOutDatagrams") })
            Add($"1.3.6.1.2.1.7.{arc}", U, name);
        Columns("1.3.6.1.2.1.7.5.1", U, MibIndex.Plain, (1, "udpLocalAddress", N, null), (2, "udpLocalPort", N, null));
        Columns("1.3.6.1.2.1.7.7.1", U, MibIndex.InetPortInetPortInstance, (8, "udpEndpointProcess", N, null));

        const string H = "HOST-RESOURCES-MIB";
        Columns("1.3.6.1.2.1.25.4.2.1", H, MibIndex.Plain, (1, "hrSWRunIndex", N, null), (2, "hrSWRunName", N, null), (3, "hrSWRunID", N, null),
            (4, "hrSWRunPath", N, null), (5, "hrSWRunParameters", N, null), (6, "hrSWRunType", N, RunTypes), (7, "hrSWRunStatus", N, RunStatus));

        // sock's own subtree (docs/SOCK-MIB.txt), wherever SockMib.Root puts it.
        const string K = "SOCK-MIB";
        var root = SockMib.Root.ToString();
        Add(root, K, "sockMIB");
        Add($"{root}.1", K, "sockObjects");
        Add($"{root}.1.1", K, "sockServer");
        Add($"{root}.1.1.1", K, "sockCommand", syntax: D);
        foreach (var (arc, name) in new[] { (2, "sockUpTime"), (3, "sockConnectionsAccepted"), (4, "sockConnectionsOpen"), (5, "sockConnectionsRefused"), (6, "sockBytesIn"), (7, "sockBytesOut") })
            Add($"{root}.1.1.{arc}", K, name);
        Columns($"{root}.1.2.1", K, MibIndex.Plain, (1, "sockListenIndex", N, null), (2, "sockListenProtocol", D, null), (3, "sockListenAddress", D, null));
        Columns($"{root}.1.3.1", K, MibIndex.Plain, (1, "sockConnIndex", N, null), (2, "sockConnProtocol", D, null), (3, "sockConnLocalAddress", D, null),
            (4, "sockConnLocalPort", N, null), (5, "sockConnRemoteAddress", D, null), (6, "sockConnRemotePort", N, null),
            (7, "sockConnState", N, ConnStates), (8, "sockConnBytesIn", N, null), (9, "sockConnBytesOut", N, null), (10, "sockConnOpened", MibSyntax.DateAndTime, null));
        return [.. list];
    }

    /// <summary>The known object <paramref name="oid"/> is an instance of (the longest known prefix), or null.</summary>
    public static MibObject? ObjectOf(Oid oid)
    {
        var arcs = oid.Arcs;
        for (var n = Math.Min(arcs.Length, LongestOid); n >= 2; n--)
            if (ByArcs.TryGetValue(arcs[..n], out var o)) return o;
        return null;
    }

    /// <summary>
    /// Parses "1.3.6.1…", "sysDescr.0", "SNMPv2-MIB::sysDescr.0", "TCP-MIB::tcpConnectionTable"-style names of the
    /// known objects (an index after the name in numeric form).
    /// </summary>
    public static bool TryParse(string text, out Oid oid, out string error)
    {
        if (Oid.TryParse(text, out oid, out error)) return true;
        var s = text.Trim();
        var colons = s.IndexOf("::", StringComparison.Ordinal);
        if (colons >= 0) s = s[(colons + 2)..];
        var dot = s.IndexOf('.');
        var name = dot < 0 ? s : s[..dot];
        if (name == "sysUpTimeInstance") { name = "sysUpTime"; s = "sysUpTime.0"; dot = s.IndexOf('.'); }
        var table = Tables.FirstOrDefault(t => t.Name == name);
        if (table.Name is not null) { oid = Oid.Parse(table.Oid); name = ""; }
        else if (ByName.TryGetValue(name, out var obj)) oid = obj.Oid;
        else { error = $"'{name}' is not an OID, nor a name sock knows (give it in numbers)"; return false; }
        if (dot >= 0)
        {
            if (!Oid.TryParse(oid + s[dot..], out oid, out var why)) { error = why; return false; }
        }
        error = "";
        return true;
    }

    private static readonly (string Name, string Oid)[] Tables =
    [
        ("ifTable", "1.3.6.1.2.1.2.2"), ("ifEntry", "1.3.6.1.2.1.2.2.1"), ("ifXTable", "1.3.6.1.2.1.31.1.1"),
        ("tcpConnTable", "1.3.6.1.2.1.6.13"), ("tcpConnectionTable", "1.3.6.1.2.1.6.19"), ("tcpListenerTable", "1.3.6.1.2.1.6.20"),
        ("udpTable", "1.3.6.1.2.1.7.5"), ("udpEndpointTable", "1.3.6.1.2.1.7.7"), ("hrSWRunTable", "1.3.6.1.2.1.25.4.2"),
        ("sysORTable", "1.3.6.1.2.1.1.9"), ("ifMIB", "1.3.6.1.2.1.31"), ("host", "1.3.6.1.2.1.25"),
        ("sockListenTable", SockMib.Root + ".1.2"), ("sockConnTable", SockMib.Root + ".1.3"),
    ];
}

namespace Sock.Core.Snmp;

/// <summary>How an <see cref="SnmpClient"/> asks: version, community, patience. Defaults are net-snmp's.</summary>
public sealed class SnmpClientOptions
{
    /// <summary>v1 or v2c (the default, as net-snmp's tools are usually run).</summary>
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
}

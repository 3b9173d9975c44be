namespace Sock.Core.Inspection;

/// <summary>
/// Socket states as the kernel numbers them (include/net/tcp_states.h) and as ss names them, with ss's state
/// filter words: the states (established, syn-sent, …, listening, closing) and the groups (all, connected,
/// synchronized, bucket, big). A state set is a bit mask over the kernel numbers, as inet_diag takes it.
/// </summary>
public static class SocketStates
{
    /// <summary>Every state.</summary>
    public const uint All = 0xFFE;
    /// <summary>ESTAB.</summary>
    public const int Established = 1;
    /// <summary>SYN-SENT.</summary>
    public const int SynSent = 2;
    /// <summary>SYN-RECV.</summary>
    public const int SynRecv = 3;
    /// <summary>TIME-WAIT.</summary>
    public const int TimeWait = 6;
    /// <summary>CLOSE, which ss shows as UNCONN.</summary>
    public const int Close = 7;
    /// <summary>LISTEN.</summary>
    public const int Listen = 10;
    /// <summary>TCP_NEW_SYN_RECV: a request socket, shown as SYN-RECV.</summary>
    public const int NewSynRecv = 12;

    /// <summary>ss's default for stream tables: connected, without time-wait and syn-recv.</summary>
    public const uint Connected = All & ~((1u << Listen) | (1u << Close));

    /// <summary>What ss shows without -a or -l: the connected sockets except the minisockets.</summary>
    public const uint DefaultStream = All & ~((1u << Listen) | (1u << Close) | (1u << TimeWait) | (1u << SynRecv) | (1u << NewSynRecv));

    /// <summary>What -l shows: listeners and unconnected (bound) datagram sockets.</summary>
    public const uint Listening = (1u << Listen) | (1u << Close);

    private static readonly string[] Names =
        ["UNKNOWN", "ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "UNCONN", "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING", "SYN-RECV"];

    /// <summary>ss's name for a kernel state number.</summary>
    public static string NameOf(int state) => state > 0 && state < Names.Length ? Names[state] : "UNKNOWN";

    /// <summary>The kernel state number of an ss state name (ESTAB → 1); 0 when unknown.</summary>
    public static int CodeOf(string ssName) => ssName switch
    {
        "ESTAB" => 1, "SYN-SENT" => 2, "SYN-RECV" => 3, "FIN-WAIT-1" => 4, "FIN-WAIT-2" => 5, "TIME-WAIT" => 6,
        "UNCONN" => 7, "CLOSE-WAIT" => 8, "LAST-ACK" => 9, "LISTEN" => 10, "CLOSING" => 11, _ => 0,
    };

    /// <summary>The bit of a row's state in a state mask (SYN-RECV covers both kernel numbers).</summary>
    public static uint BitOf(string ssName)
    {
        var code = CodeOf(ssName);
        if (code == SynRecv) return (1u << SynRecv) | (1u << NewSynRecv);
        return code == 0 ? 0 : 1u << code;
    }

    /// <summary>The words ss's state filter takes, for help and errors.</summary>
    public static IReadOnlyList<string> FilterWords { get; } =
    [
        "established", "syn-sent", "syn-recv", "fin-wait-1", "fin-wait-2", "time-wait", "closed", "close-wait",
        "last-ack", "listening", "closing", "all", "connected", "synchronized", "bucket", "big",
    ];

    /// <summary>The state mask for one of ss's state filter words (case-insensitive); null when unknown.</summary>
    public static uint? FromFilterWord(string word) => word.ToLowerInvariant() switch
    {
        "established" or "estab" => 1u << Established,
        "syn-sent" => 1u << SynSent,
        "syn-recv" => (1u << SynRecv) | (1u << NewSynRecv),
        "fin-wait-1" => 1u << 4,
        "fin-wait-2" => 1u << 5,
        "time-wait" => 1u << TimeWait,
        "closed" or "unconn" => 1u << Close,
        "close-wait" => 1u << 8,
        "last-ack" => 1u << 9,
        "listening" or "listen" => 1u << Listen,
        "closing" => 1u << 11,
        "all" => All,
        "connected" => Connected,
        "synchronized" => Connected & ~(1u << SynSent),
        "bucket" => (1u << SynRecv) | (1u << NewSynRecv) | (1u << TimeWait),
        "big" => All & ~((1u << SynRecv) | (1u << NewSynRecv) | (1u << TimeWait)),
        _ => null,
    };
}

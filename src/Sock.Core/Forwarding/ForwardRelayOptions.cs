namespace Sock.Core.Forwarding;

/// <summary>
/// How a relay runs beyond its defaults (both ways, until both sides end): socat's -u/-U (one way only), -T (an idle
/// limit), -t (how long the other way may stay silent once one way has ended), and its crlf option on either side.
/// </summary>
internal sealed class ForwardRelayOptions
{
    /// <summary>The defaults: both ways, no time limit, bytes unchanged.</summary>
    public static readonly ForwardRelayOptions Default = new();

    /// <summary>Move what the client sends to the target (false: -U, the other way only). Default true.</summary>
    public bool ToTarget { get; init; } = true;

    /// <summary>Move what the target sends to the client (false: -u). Default true.</summary>
    public bool ToClient { get; init; } = true;

    /// <summary>socat's -T: end the pair once nothing has moved either way for this long. Null: never. Default null.</summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>
    /// socat's -t: once one way has ended (and its end was passed on), end the pair when the other way has moved nothing
    /// for this long. Null: wait for the other side's own end. Default null.
    /// </summary>
    public TimeSpan? CloseTimeout { get; init; }

    /// <summary>socat's crlf on the client's side: lines end in CR LF there (LF towards it becomes CR LF; CRs from it are dropped).</summary>
    public bool ClientCrlf { get; init; }

    /// <summary>socat's crlf on the target's side.</summary>
    public bool TargetCrlf { get; init; }

    /// <summary>
    /// End the pair as soon as the target's way has ended (its end passed on to the client), whatever the client still
    /// sends: a proxy's plain HTTP forwarding, where the response and the target's close end the exchange. Default false.
    /// </summary>
    public bool EndWithTarget { get; init; }

    /// <summary>True when these are the defaults, so the relay takes its plain path.</summary>
    internal bool IsDefault => ToTarget && ToClient && IdleTimeout is null && CloseTimeout is null && ClientCrlf == TargetCrlf && !EndWithTarget;
}

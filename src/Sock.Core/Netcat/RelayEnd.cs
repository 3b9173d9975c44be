namespace Sock.Core.Netcat;

/// <summary>How a relay ended.</summary>
public enum RelayEnd
{
    /// <summary>The peer closed its side (after ours, or first).</summary>
    PeerClosed,
    /// <summary>-q ran out after stdin EOF.</summary>
    QuitAfterEof,
    /// <summary>-i: nothing moved for the idle time.</summary>
    Idle,
    /// <summary>Standard output went away (a closed pipe).</summary>
    OutputClosed,
    /// <summary>Stopped from outside (a signal).</summary>
    Cancelled,
}

namespace Sock.Core.Forwarding;

/// <summary>Which way bytes move through a forwarded pair.</summary>
public enum ForwardDirection
{
    /// <summary>From the client to the target (socat -v's '&gt;').</summary>
    ToTarget,

    /// <summary>From the target back to the client (socat -v's '&lt;').</summary>
    ToClient,
}

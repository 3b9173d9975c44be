namespace Sock.Cli.Commands;

/// <summary>Which way a socat relay moves data: both (the default), or one way only (-u, -U).</summary>
internal enum SocatDirection
{
    /// <summary>Both ways at once.</summary>
    Both,
    /// <summary>-u: the first address is only read, the second only written.</summary>
    LeftToRight,
    /// <summary>-U: the second address is only read, the first only written.</summary>
    RightToLeft,
}

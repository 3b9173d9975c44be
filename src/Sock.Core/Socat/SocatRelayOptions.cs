namespace Sock.Core.Socat;

/// <summary>How a socat relay runs: socat's global -t, -T, -u/-U and -b, with socat's defaults.</summary>
internal sealed class SocatRelayOptions
{
    /// <summary>socat's default -t: how long the other direction may stay silent once one has reached its end.</summary>
    public static readonly TimeSpan DefaultCloseTimeout = TimeSpan.FromMilliseconds(500);

    /// <summary>socat's -b default: the most moved in one step.</summary>
    public const int DefaultBufferSize = 8192;

    /// <summary>With ignoreeof, how long to wait before reading again after an end of input (socat's poll interval, 1 s).</summary>
    public static readonly TimeSpan IgnoreEofInterval = TimeSpan.FromSeconds(1);

    /// <summary>-t: once one direction has reached its end (and the other end's write side is shut down), the relay ends when nothing moves for this long.</summary>
    public TimeSpan CloseTimeout { get; init; } = DefaultCloseTimeout;

    /// <summary>-T: the relay ends when nothing has moved either way for this long; null (the default) waits for ever.</summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>-u / -U: one way only.</summary>
    public SocatDirection Direction { get; init; } = SocatDirection.Both;

    /// <summary>-b: the most bytes read and written in one step (a datagram end reads up to 64 KiB whatever this says, so no datagram is cut).</summary>
    public int BufferSize { get; init; } = DefaultBufferSize;
}

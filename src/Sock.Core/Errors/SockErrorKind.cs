namespace Sock.Core.Errors;

/// <summary>What kind of failure a <see cref="SockException"/> reports; it decides the exit code.</summary>
public enum SockErrorKind
{
    /// <summary>The user asked for something that cannot be done as written (bad port, malformed address, contradictory options). Exit 2.</summary>
    Usage,

    /// <summary>The network or the operating system refused (refused, unreachable, timed out, reset, address in use, name not resolved). Exit 1.</summary>
    Network,

    /// <summary>The question was well formed but nothing answers it (no such service name). Exit 1, as grep does.</summary>
    NotFound,
}

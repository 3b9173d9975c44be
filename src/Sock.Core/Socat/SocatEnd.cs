namespace Sock.Core.Socat;

/// <summary>
/// One of socat's two addresses once opened: a channel the relay reads from and writes to, whatever is behind it (a
/// socket, a TLS session, a program, a file, a pipe, a pseudo terminal, stdio). A read of 0 is the end of input; a
/// datagram end reads one datagram at a time and never ends on its own.
/// </summary>
internal abstract class SocatEnd : IAsyncDisposable
{
    /// <summary>How the end is named in notices (-d) and errors: "TCP 127.0.0.1:8080", "EXEC cat".</summary>
    public abstract string Name { get; }

    /// <summary>socat's crlf option: lines end in CR LF on this end (converted to and from LF on the way through).</summary>
    public bool Crlf { get; init; }

    /// <summary>socat's ignoreeof option: an end of input is not the end; read again after a while (a growing file, tail -f).</summary>
    public bool IgnoreEof { get; init; }

    /// <summary>False for an end that is only written (STDOUT, CREATE): no data moves out of it.</summary>
    public virtual bool CanRead => true;

    /// <summary>False for an end that is only read (STDIN): no data moves into it.</summary>
    public virtual bool CanWrite => true;

    /// <summary>True when each read and write is one datagram.</summary>
    public virtual bool IsDatagram => false;

    /// <summary>Reads what is there; 0 at the end of input.</summary>
    public abstract ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct);

    /// <summary>Writes all of <paramref name="data"/> (one datagram on a datagram end).</summary>
    public abstract ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct);

    /// <summary>Ends the write side (SHUT_WR, close_notify, a program's stdin closed); the other direction goes on.</summary>
    public abstract ValueTask ShutdownWriteAsync();

    /// <summary>Closes everything the end holds.</summary>
    public abstract ValueTask DisposeAsync();
}

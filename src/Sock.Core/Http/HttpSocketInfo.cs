namespace Sock.Core.Http;

/// <summary>The socket an HTTP exchange ran on: its handle, kind, addresses, and what went through it.</summary>
/// <param name="Handle">The operating system's handle (the file descriptor on Unix).</param>
/// <param name="Transport">tcp4, tcp6 or unix.</param>
/// <param name="Local">The local address.</param>
/// <param name="Remote">The peer's address.</param>
/// <param name="BytesSent">Bytes sent (as they crossed the socket: TLS records included).</param>
/// <param name="BytesReceived">Bytes received.</param>
/// <param name="Sends">send() calls.</param>
/// <param name="Receives">recv() calls that brought data.</param>
public sealed record HttpSocketInfo(long Handle, string Transport, string Local, string Remote, long BytesSent, long BytesReceived,
    long Sends, long Receives);

using System.Net.Sockets;

namespace Sock.Core.Connections;

/// <summary>
/// A stream over a connection's socket taken whole (a <see cref="SocketHandler"/>'s), counting what it reads and writes
/// into the connection's record as the transports do: for a protocol read through a stream before the socket is handed
/// to the kernel (the proxy's handshake ahead of splicing).
/// </summary>
internal sealed class CountingSocketStream(Connection connection, Socket socket) : NetworkStream(socket, ownsSocket: false)
{
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await base.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (n > 0) connection.Traffic.Received(n);
        return n;
    }

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        await ReadAsync(buffer.AsMemory(offset, count), cancellationToken).ConfigureAwait(false);

    public override int Read(Span<byte> buffer)
    {
        var n = base.Read(buffer);
        if (n > 0) connection.Traffic.Received(n);
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await base.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        connection.Traffic.Sent(buffer.Length);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        base.Write(buffer);
        connection.Traffic.Sent(buffer.Length);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
}

using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Sockets;

namespace Sock.Core.Forwarding;

/// <summary>
/// What the relay writes towards a datagram side, sent as datagrams: each flush one datagram, a larger flush in
/// datagrams of at most 65,507 bytes (the most an IPv4 UDP datagram carries). Shared by the leg of a socket of its own
/// (<see cref="DatagramLeg"/>) and the leg of one client of a shared listening socket (<see cref="DatagramClientLeg"/>).
/// </summary>
internal static class DatagramWrites
{
    public const int MaxDatagram = 65507;

    /// <summary>
    /// Sends what <paramref name="reader"/> yields until the relay's end of stream towards this side, to
    /// <paramref name="to"/> (or on the connected socket when null), calling <paramref name="sent"/> after each datagram.
    /// A send that fails or a stop ends it quietly: the relay then sees its writes end. The reader is completed.
    /// </summary>
    public static async Task SendAsync(PipeReader reader, TracedSocket socket, EndPoint? to, Action? sent, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                var r = await reader.ReadAsync(ct).ConfigureAwait(false);
                var data = r.Buffer;
                while (!data.IsEmpty)
                {
                    var chunk = data.Slice(0, Math.Min(MaxDatagram, data.Length)).ToArray();
                    if (to is null) await socket.SendAsync(chunk, ct).ConfigureAwait(false);
                    else await socket.SendToAsync(chunk, to, ct).ConfigureAwait(false);
                    sent?.Invoke();
                    data = data.Slice(chunk.Length);
                }
                reader.AdvanceTo(r.Buffer.End);
                if (r.IsCompleted || r.IsCanceled) return;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or Errors.SockException or SocketException)
        {
            // Nothing more can be sent (a refused peer, the forwarder stopped, the leg ended).
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }
}

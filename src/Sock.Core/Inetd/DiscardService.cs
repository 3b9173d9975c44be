using Sock.Core.Connections;
using Sock.Core.Serving;

namespace Sock.Core.Inetd;

/// <summary>RFC 863: reads everything and throws it away.</summary>
public static class DiscardService
{
    /// <summary>Discard on the raw receive path: each receive is dropped on the I/O thread, with no pipe and no buffer held between receives.</summary>
    public static ReceiveHandler Receiver { get; } = new DiscardReceiver();

    /// <summary>Reads until the peer closes; nothing is kept, so memory stays at one buffer however much arrives.</summary>
    public static async ValueTask ServeAsync(Connection connection)
    {
        var input = connection.Input;
        while (true)
        {
            var result = await input.ReadAsync().ConfigureAwait(false);
            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled) return;
        }
    }

    /// <summary>Ignores the datagram.</summary>
    public static ValueTask ServeAsync(ReceivedDatagram datagram) => ValueTask.CompletedTask;

    private sealed class DiscardReceiver : ReceiveHandler
    {
        public override void OnReceived(Connection connection, ReadOnlySpan<byte> data)
        {
        }

        protected override ValueTask ServeOverPipesAsync(Connection connection) => ServeAsync(connection);
    }
}

using Sock.Core.Serving;

namespace Sock.Core.Inetd;

/// <summary>RFC 863: reads everything and throws it away.</summary>
public static class DiscardService
{
    /// <summary>Reads until the peer closes; nothing is kept, so memory stays at one buffer however much arrives.</summary>
    public static async ValueTask ServeAsync(ServerConnection connection)
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
}

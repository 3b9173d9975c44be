using System.Net.Sockets;
using Sock.Core.Tracing;

namespace Sock.Core.Scanning;

/// <summary>
/// Reads what a service says first on a fresh connection (ssh, smtp, ftp greet; http waits to be asked): up to the
/// banner byte limit, within the banner timeout, and then whatever follows the first bytes within 100 ms.
/// </summary>
internal static class BannerReader
{
    public static async Task ReadAsync(Socket socket, long handle, ScanOptions options, SocketTrace? trace, Action<byte[]> store)
    {
        var buffer = new byte[Math.Max(1, options.BannerBytes)];
        var total = 0;
        try
        {
            using var cts = new CancellationTokenSource(options.BannerTimeout);
            while (total < buffer.Length)
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None, cts.Token).ConfigureAwait(false);
                trace?.Call($"recv({handle}, {buffer.Length - total}) = {n}");
                if (n == 0) break;
                total += n;
                cts.CancelAfter(TimeSpan.FromMilliseconds(100));
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
        finally
        {
            socket.Dispose();
            trace?.Call($"close({handle})");
        }
        if (total > 0) store(buffer[..total]);
    }
}

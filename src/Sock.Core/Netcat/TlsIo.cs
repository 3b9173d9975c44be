using System.Net.Security;
using Sock.Core.Errors;

namespace Sock.Core.Netcat;

/// <summary>
/// Reads and writes on a TLS session with the socket's failure reporting: a failure of the socket underneath is its
/// own <see cref="SockException"/>; one of the session itself (a bad record, an alert) says so.
/// </summary>
internal static class TlsIo
{
    public static async ValueTask<int> ReadAsync(SslStream tls, Memory<byte> buffer, string target, CancellationToken ct)
    {
        try
        {
            return await tls.ReadAsync(buffer, ct).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw Failure(ex, "receive from", target);
        }
    }

    public static async ValueTask<int> WriteAsync(SslStream tls, ReadOnlyMemory<byte> data, string target, CancellationToken ct)
    {
        try
        {
            await tls.WriteAsync(data, ct).ConfigureAwait(false);
            return data.Length;
        }
        catch (IOException ex)
        {
            throw Failure(ex, "send to", target);
        }
    }

    private static SockException Failure(IOException ex, string operation, string target) =>
        TlsHandshake.Find<SockException>(ex)
        ?? new SockException(SockErrorKind.Network, operation, target, $"the TLS session failed ({ex.Message.Trim().TrimEnd('.')})", inner: ex);
}

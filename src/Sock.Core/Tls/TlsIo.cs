using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using Sock.Core.Errors;

namespace Sock.Core.Tls;

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
        catch (Exception ex) when (ex is IOException or AuthenticationException or CryptographicException)
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
        catch (Exception ex) when (ex is IOException or AuthenticationException or CryptographicException)
        {
            throw Failure(ex, "send to", target);
        }
    }

    // An alert after the handshake (a TLS 1.3 server refusing the client's certificate) comes as any of the three,
    // with OpenSSL's own words innermost ("error:0A00045C:SSL routines::tlsv13 alert certificate required").
    private static SockException Failure(Exception ex, string operation, string target)
    {
        if (TlsHandshake.Find<SockException>(ex) is { } socket) return socket;
        var innermost = ex;
        while (innermost.InnerException is { } inner) innermost = inner;
        var words = innermost.Message.Trim().TrimEnd('.');
        var routines = words.IndexOf("routines::", StringComparison.Ordinal);
        if (routines >= 0) words = words[(routines + "routines::".Length)..];
        return new SockException(SockErrorKind.Network, operation, target, $"the TLS session failed ({words})", inner: ex);
    }
}

using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Sock.Core.Errors;
using Sock.Core.Connections;
using Sock.Core.Serving;
using Sock.Core.Tls;

namespace Sock.Core.Netcat;

/// <summary>
/// One hub client's TLS session (listen -k/--broker/--chat --ssl), as a layer over its connection on the serving engine:
/// the records cross the engine's own receive and send loops (so --trace shows them as they are on the wire), and once
/// the handshake is done the connection's <see cref="Connection.Transport"/> is the session's plaintext pipes, so
/// the hub reads and writes <see cref="Connection.Input"/> and <see cref="Connection.Output"/> as it does
/// without TLS. The handshake runs in the client's own handler, so a client slow to finish it holds up nobody else.
/// </summary>
internal sealed class HubTls : IAsyncDisposable
{
    /// <summary>How long close_notify may take at the end: a client that is gone or stuck is not waited for.</summary>
    private static readonly TimeSpan CloseNotifyGrace = TimeSpan.FromSeconds(1);

    private readonly SslStream _ssl;
    private readonly Connection _connection;
    private readonly IDuplexPipe _socketSide;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private bool _closeNotified;

    private HubTls(SslStream ssl, Connection connection, IDuplexPipe socketSide)
    {
        _ssl = ssl;
        _connection = connection;
        _socketSide = socketSide;
        // What the client sent, decrypted; what goes to it, encrypted as it is flushed.
        _input = PipeReader.Create(ssl, new StreamPipeReaderOptions(leaveOpen: true));
        _output = PipeWriter.Create(ssl, new StreamPipeWriterOptions(leaveOpen: true));
        connection.Transport = new DuplexPipe(_input, _output);
    }

    /// <summary>The session, for -v's description of it.</summary>
    public SslStream Session => _ssl;

    /// <summary>
    /// The server's handshake with the client on <paramref name="connection"/> within <paramref name="timeout"/>, then
    /// the session in place of the connection's pipes until this is disposed; failures (a client that does not speak
    /// TLS, a refused certificate, the time out) are <see cref="SockException"/>s naming <paramref name="peer"/>.
    /// </summary>
    public static async Task<HubTls> AcceptAsync(Connection connection, X509Certificate2 certificate, TlsServerOptions tls,
        string peer, TimeSpan timeout, CancellationToken ct)
    {
        var socketSide = connection.Transport;
        var ssl = await TlsServer.AuthenticateAsync(new DuplexPipeStream(socketSide), () => connection.Abort("client certificate refused"),
            certificate, tls, peer, timeout, ct).ConfigureAwait(false);
        return new HubTls(ssl, connection, socketSide);
    }

    /// <summary>Ends what we send with close_notify (once; the caller has stopped writing), so the client can tell the end from a cut.</summary>
    public async ValueTask CloseNotifyAsync()
    {
        if (_closeNotified) return;
        _closeNotified = true;
        try
        {
            await _output.CompleteAsync().ConfigureAwait(false);
            await _ssl.ShutdownAsync().WaitAsync(CloseNotifyGrace).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SockException or ObjectDisposedException or InvalidOperationException
                                       or NotSupportedException or CryptographicException or TimeoutException)
        {
            // The client is gone already, or stuck: its connection closes all the same.
        }
    }

    /// <summary>The handler is done: the session's pipes are completed and the connection's own put back, for the engine to close.</summary>
    public async ValueTask DisposeAsync()
    {
        _connection.Transport = _socketSide;
        await _input.CompleteAsync().ConfigureAwait(false);
        await _output.CompleteAsync().ConfigureAwait(false);
        await _ssl.DisposeAsync().ConfigureAwait(false);
    }
}

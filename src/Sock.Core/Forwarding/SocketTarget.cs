using System.Net.Sockets;
using Sock.Core.Connections;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Tls;

namespace Sock.Core.Forwarding;

/// <summary>
/// A target that is a stream socket: for each client, a connection through <see cref="SocketClient"/> (a host's
/// addresses raced happy-eyeballs style, or a Unix socket), over TLS for a <c>tls:</c> endpoint (verification on unless
/// <see cref="ForwardOptions.ClientTls"/> says otherwise), retried as <see cref="ForwardOptions.Retry"/> and
/// <see cref="ForwardOptions.Forever"/> say, through <see cref="ForwardOptions.Proxy"/>'s proxies when it is set. The socket
/// options of <see cref="ForwardOptions"/> are set on it.
/// </summary>
public sealed class SocketTarget : IForwardTarget
{
    private readonly ForwardEndpoint _endpoint;
    private readonly ForwardOptions _options;
    private readonly TlsClientOptions? _tls;

    /// <summary>A target at <paramref name="endpoint"/> (TCP, Unix or TLS), connected as <paramref name="options"/> say.</summary>
    public SocketTarget(ForwardEndpoint endpoint, ForwardOptions options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(options);
        if (endpoint.IsDatagram) throw SockException.Usage("forward", endpoint.ToString(), "a UDP target takes a UDP listener (udp:PORT)");
        if (endpoint.Port == 0 && !endpoint.IsUnix) throw SockException.Usage("forward", endpoint.ToString(), "a target needs a port from 1 to 65535");
        if (options.Proxy is { } proxy && endpoint.IsUnix)
            throw SockException.Usage("--proxy", proxy.ToString(), "proxies carry TCP connections, not Unix sockets (the target is " + endpoint + ")");
        _endpoint = endpoint;
        _options = options;
        if (endpoint.Scheme == ForwardScheme.Tls)
        {
            _tls = options.ClientTls ?? new TlsClientOptions { Verify = true };
            _tls.Validate("forward");
        }
        // The proxies are part of where a client goes: named in the listening line, the session lines and the table.
        Name = options.Proxy is { } via ? $"{endpoint} through {via}" : endpoint.ToString();
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>True when this target's socket carries plain bytes (TCP or Unix, not TLS), so a relay may splice it.</summary>
    internal bool CanSplice => _tls is null;

    /// <inheritdoc/>
    public async ValueTask<ForwardLeg> OpenAsync(ForwardClient client, CancellationToken cancellationToken)
    {
        var clientOptions = new SocketClientOptions
        {
            Family = _endpoint.Family,
            SourceAddress = _options.SourceAddress,
            SourcePort = _options.SourcePort,
            ConnectTimeout = _options.ConnectTimeout,
            Trace = _options.Trace,
            Tls = _tls,
            Proxy = _options.Proxy,
            MaxInputBuffer = _options.MaxInputBuffer,
            MaxOutputBuffer = Math.Min(_options.MaxInputBuffer, ConnectionOptions.DefaultMaxOutputBuffer),
        };
        var splice = client.Splice && CanSplice;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (splice)
                {
                    // No pipes and no loop on this socket: the relay splices it (Linux, both legs plain sockets).
                    // On the relay's reactor: the connect's completion goes on there, straight into the relay.
                    var dialed = await SocketClient.ConnectUnstartedAsync(_endpoint.IsUnix ? null : _endpoint.TargetHost, _endpoint.Port,
                        _endpoint.IsUnix ? EndpointText.UnixEndPoint(_endpoint.Path!).ToString() : null, clientOptions, cancellationToken,
                        SpliceRelay.Supported ? SpliceRelay.Reactor : null).ConfigureAwait(false);
                    ForwardSocketOptions.Apply(dialed.Connection, _options, noDelayNow: true);
                    return new SpliceLeg(dialed.Connection, dialed.Socket, owned: true, Name) { Watch = dialed.Watch };
                }
                var connection = _endpoint.IsUnix
                    ? await SocketClient.ConnectAsync(EndpointText.UnixEndPoint(_endpoint.Path!), clientOptions, cancellationToken).ConfigureAwait(false)
                    : await SocketClient.ConnectAsync(_endpoint.TargetHost, _endpoint.Port, clientOptions, cancellationToken).ConfigureAwait(false);
                ForwardSocketOptions.Apply(connection, _options);
                return new ConnectionLeg(connection, owned: true, Name);
            }
            // A TLS refusal (a certificate not trusted) or a proxy's "not allowed" (credentials, its rules) will not change by
            // trying again; a refused or timed-out connect may.
            catch (SockException ex) when (ex.Kind == SockErrorKind.Network && ex.Operation != "TLS handshake with" && ex.SocketError != SocketError.AccessDenied
                && (_options.Forever || attempt <= _options.Retry) && !cancellationToken.IsCancellationRequested)
            {
                // socat's interval=; the client waits meanwhile (it may give up, which cancels the wait).
                try
                {
                    client.Observer?.Retrying(client, Name, ex.Message, attempt, _options.RetryDelay);
                    await Task.Delay(_options.RetryDelay, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    throw ex;
                }
            }
        }
    }
}

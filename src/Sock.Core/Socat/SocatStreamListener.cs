using System.Net;
using System.Net.Sockets;
using Sock.Core.Connections;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Netcat;
using Sock.Core.Serving;
using Sock.Core.Sockets;
using Sock.Core.Tls;
using Sock.Core.Tracing;

namespace Sock.Core.Socat;

/// <summary>
/// socat's stream listeners (TCP-LISTEN, UNIX-LISTEN, ABSTRACT-LISTEN, OPENSSL-LISTEN) on the serving engine: the bind
/// through <see cref="SocketBinder"/>, accepts and admission (range=) by <see cref="SocketServer"/>, and each admitted
/// client's socket handed whole to the caller as a <see cref="SocatEnd"/> (over TLS after the handshake). Without fork
/// the listening socket closes at the first client, as socat's does, and the run ends with that client; with fork every
/// client is served, at once, in this one process (socat forks a process each).
/// </summary>
internal static class SocatStreamListener
{
    /// <summary>How long a TLS client may take over its handshake.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Listens and hands each client to <paramref name="serve"/>; <paramref name="listening"/> is called with the bound
    /// address once clients can connect. Without fork returns when the first client's service is done (its failure is
    /// thrown); with fork runs until <paramref name="ct"/> is cancelled, a client's failure reported and the others going on.
    /// </summary>
    public static async Task RunAsync(SocatListenOptions o, Func<SocatEnd, CancellationToken, Task> serve, SocketTrace? trace,
        ISocatObserver? observer, Action<EndPoint>? listening, CancellationToken ct)
    {
        var access = await AccessList.CreateAsync(o.Range, [], noDns: true, ct).ConfigureAwait(false);
        var certificate = o.Tls is null ? null : TlsServer.Certificate(o.Tls);
        if (o.UnlinkEarly && o.Local is UnixDomainSocketEndPoint u && u.ToString() is { Length: > 0 } path && !EndpointText.IsAbstract(path))
        {
            try { File.Delete(path); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new SockException(SockErrorKind.Usage, "socat unlink-early", path, FileErrorText.Describe(ex, path));
            }
        }
        var socket = SocketBinder.Open(o.Local, SocketType.Stream, new ListenSettings(DualMode: o.DualMode), trace);
        if (!OperatingSystem.IsWindows() && o.UnixMode is { } mode && o.Local is UnixDomainSocketEndPoint && socket.LocalEndPoint?.ToString() is { Length: > 0 } file && !EndpointText.IsAbstract(file))
            File.SetUnixFileMode(file, mode);
        var bound = socket.LocalEndPoint ?? o.Local;
        observer?.Notice($"listening on {EndpointText.Format(bound)}");
        using var slots = o.MaxChildren > 0 ? new SemaphoreSlim(o.MaxChildren) : null;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = new SocketServer(new ServerOptions { DrainTimeout = TimeSpan.FromSeconds(1) }, trace);
        try
        {
            var handler = new SocketHandler(async (_, client) =>
            {
                try
                {
                    if (slots is not null) await slots.WaitAsync(ct).ConfigureAwait(false);
                    try
                    {
                        await ServeOneAsync(client, o, certificate, serve, observer, ct).ConfigureAwait(false);
                    }
                    finally { slots?.Release(); }
                    if (!o.Fork) done.TrySetResult();
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested) { done.TrySetResult(); }
                catch (Exception ex) when (o.Fork && ex is SockException or IOException)
                {
                    observer?.Failed(ex as SockException ?? new SockException(SockErrorKind.Network, "transfer", null, FileErrorText.Describe(ex)));
                }
                catch (Exception ex) when (!o.Fork)
                {
                    done.TrySetException(ex);
                }
            }).Stream;
            AdmissionFilter? admit = access.Empty ? null : remote =>
            {
                if (remote is not IPEndPoint ip || access.Admits(ip.Address)) return null;
                observer?.Notice($"refusing connection from {EndpointText.Format(remote)} due to range option");
                return "not in range=";
            };
            if (o.Fork) server.ListenOn("socat", socket, handler, admit);
            else server.ListenOnOnce("socat", socket, handler, admit);
            server.Start();
            listening?.Invoke(bound);
            await Task.WhenAny(done.Task, Task.Delay(Timeout.Infinite, ct)).ConfigureAwait(false);
            await server.StopAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            if (done.Task.IsFaulted) await done.Task.ConfigureAwait(false);
        }
        finally
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task ServeOneAsync(TracedSocket client, SocatListenOptions o, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate,
        Func<SocatEnd, CancellationToken, Task> serve, ISocatObserver? observer, CancellationToken ct)
    {
        var peer = client.Socket.RemoteEndPoint is UnixDomainSocketEndPoint un && string.IsNullOrEmpty(un.ToString()) ? "(unnamed)" : EndpointText.Format(client.Socket.RemoteEndPoint);
        observer?.Notice($"accepting connection from {peer} on {EndpointText.Format(client.Socket.LocalEndPoint)}");
        o.Tuning.Apply(client);
        var ssl = certificate is null ? null
            : await TlsServer.AuthenticateAsync(client, certificate, o.Tls!, peer, HandshakeTimeout, ct).ConfigureAwait(false);
        await using var end = new SocketEnd(client, $"{o.Name} {peer}", ssl) { Crlf = o.Crlf };
        await serve(end, ct).ConfigureAwait(false);
    }
}

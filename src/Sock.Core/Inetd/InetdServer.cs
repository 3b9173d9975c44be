using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Serving;
using Sock.Core.Tls;
using Sock.Core.Tracing;
using Sock.Core.Connections;

namespace Sock.Core.Inetd;

/// <summary>
/// The small inetd services on a <see cref="SocketServer"/>, as `sock serve` runs them: <see cref="Bind"/> checks the
/// choices, makes TLS's certificate, binds every socket (any failure is thrown before one is reported), then
/// <see cref="RunAsync"/> serves until asked to stop and drains.
/// </summary>
/// <example>
/// <code>
/// await using var inetd = InetdServer.Bind(new InetdOptions { Names = ["echo", "daytime"], Base = 10000 });
/// await inetd.RunAsync(stop); // echo on 10007, daytime on 10013, TCP and UDP, until stop is cancelled
/// </code>
/// </example>
public sealed class InetdServer : IAsyncDisposable
{
    private readonly SocketServer _server;
    private readonly IInetdObserver? _observer;
    private readonly X509Certificate2? _certificate;

    private InetdServer(SocketServer server, IInetdObserver? observer, X509Certificate2? certificate, IReadOnlyList<InetdBinding> bindings)
    {
        _server = server;
        _observer = observer;
        _certificate = certificate;
        Bindings = bindings;
    }

    /// <summary>Every socket bound, in the order of the services asked for.</summary>
    public IReadOnlyList<InetdBinding> Bindings { get; }

    /// <summary>The engine underneath: its counters and options.</summary>
    public SocketServer Server => _server;

    /// <summary>Every socket open now (<see cref="SocketServer.Sockets"/>).</summary>
    public IReadOnlyList<SocketRecord> Sockets => _server.Sockets;

    /// <summary>
    /// Checks <paramref name="options"/> (usage errors), reads or makes the TLS certificate (a bad file is a usage error
    /// before anything listens) and binds every service's sockets on a new server with <paramref name="serverOptions"/>,
    /// tracing to <paramref name="trace"/> and reporting to <paramref name="observer"/>. A socket that cannot be bound
    /// throws, naming the service, protocol and port, and nothing is left listening.
    /// </summary>
    public static InetdServer Bind(InetdOptions options, ServerOptions? serverOptions = null, SocketTrace? trace = null, IInetdObserver? observer = null)
    {
        options.Validate();
        var names = options.Names.Distinct().ToArray();
        X509Certificate2? certificate = null;
        IReadOnlyList<ConnectionLayer> layers = [];
        if (options.Tls is { } tls)
        {
            certificate = TlsServer.Certificate(tls);
            try
            {
                layers = [new TlsServerLayer(certificate, tls)
                {
                    HandshakeTimeout = options.TlsHandshakeTimeout,
                    Established = observer is null ? null : (connection, session) => observer.TlsEstablished(connection.Record, session),
                }];
            }
            catch
            {
                certificate.Dispose();
                throw;
            }
        }
        var server = new SocketServer(serverOptions, trace, observer);
        try
        {
            var bindings = BindAll(server, options, names, layers, observer);
            var inetd = new InetdServer(server, observer, certificate, bindings);
            if (certificate is not null) observer?.Certificate(certificate, options.Tls!.CertFile is null);
            // Told once everything is bound, so a port that cannot be bound is the only thing a failure shows.
            foreach (var b in bindings) observer?.Listening(b);
            return inetd;
        }
        catch
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult(); // nothing was started: closing the sockets is all it does
            certificate?.Dispose();
            throw;
        }
    }

    private static List<InetdBinding> BindAll(SocketServer server, InetdOptions options, string[] names, IReadOnlyList<ConnectionLayer> layers,
        IInetdObserver? observer)
    {
        Func<ServiceMessage, ValueTask>? messages = observer is null ? null : observer.MessageAsync;
        var tls = layers.Count > 0;
        var bound = new List<InetdBinding>();
        if (options.UnixPath is { } unixPath)
        {
            if (names.Length > 1) Directory.CreateDirectory(unixPath);
            foreach (var name in names)
            {
                var service = SmallServices.Create(name, options.Quotes, messages);
                var file = names.Length > 1 ? Path.Combine(unixPath, name + ".sock") : unixPath;
                // A file left by a process that died is replaced (as sock listen does); a live socket or any other file is not.
                Sock.Core.Sockets.UnixSocketFile.PrepareForBind(file);
                var path = EndpointText.UnixEndPoint(file, "--unix");
                bound.Add(options.UdpOnly
                    ? new InetdBinding(service, "unixgram", server.ListenDatagram(name, path, service.Datagram), false)
                    : new InetdBinding(service, "unix", server.ListenStream(name, path, service.Stream, layers: layers), tls));
            }
            return bound;
        }
        var address = options.Bind;
        var dual = address is null && Socket.OSSupportsIPv6;
        address ??= Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any;
        foreach (var name in names)
        {
            var service = SmallServices.Create(name, options.Quotes, messages);
            var port = options.Port ?? (options.Base ?? 0) + service.StandardPort;
            if (port > Ports.Max)
                throw SockException.Usage("base", (options.Base ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture), $"{name} would be on port {port}, past {Ports.Max}");
            if (options.Streams)
                bound.Add(new InetdBinding(service, "tcp", server.ListenStream(name, new IPEndPoint(address, port), service.Stream, dual, layers), tls));
            if (options.Datagrams)
                bound.Add(new InetdBinding(service, "udp", server.ListenDatagram(name, new IPEndPoint(address, port), service.Datagram, dual), false));
        }
        return bound;
    }

    /// <summary>
    /// Serves until <paramref name="stop"/> is cancelled, then stops: closes the listening sockets, tells the observer
    /// (<see cref="IInetdObserver.Stopping"/>), and lets open connections finish within
    /// <see cref="ServerOptions.DrainTimeout"/>. Returns how many were closed at the deadline.
    /// </summary>
    public async Task<int> RunAsync(CancellationToken stop)
    {
        _server.Start();
        try
        {
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        // StopAsync closes the listening sockets before it returns its task, so "stopping" is told once new connections
        // are refused.
        var open = _server.ActiveConnections;
        var stopping = _server.StopAsync();
        _observer?.Stopping(open, _server.Options.DrainTimeout);
        return await stopping.ConfigureAwait(false);
    }

    /// <summary>Stops at once if not stopped already, and releases the certificate.</summary>
    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync().ConfigureAwait(false);
        _certificate?.Dispose();
    }
}

using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Sock.Core.Inetd;
using Sock.Core.Serving;
using Sock.Core.Tls;
using Sock.Tests.Support;
using static Sock.Tests.Netcat.TlsConnectTests;
using Sock.Core.Connections;

namespace Sock.Tests.Serving;

/// <summary>
/// Layers on a listener (<see cref="ConnectionLayer"/>): run in order around the handler, admission at accept before a
/// byte is read, TLS over the connection's pipes with its failures reported — with real sockets and a .NET TLS client.
/// </summary>
public sealed class ConnectionLayerTests
{
    private sealed class Recorder : IServerObserver
    {
        public List<string> Rejections { get; } = [];
        public List<(string Layer, string Reason, string Remote)> Refusals { get; } = [];
        public TaskCompletionSource Refused { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        void IServerObserver.Rejected(string service, EndPoint? remote, string reason)
        {
            lock (Rejections) Rejections.Add(reason);
        }

        void IServerObserver.LayerRefused(SocketRecord record, string layer, string reason)
        {
            lock (Refusals) Refusals.Add((layer, reason, record.Remote));
            Refused.TrySetResult();
        }
    }

    private static (SocketServer Server, EndPoint EndPoint) Start(string transport, ConnectionHandler handler, IReadOnlyList<ConnectionLayer> layers,
        IServerObserver? observer = null)
    {
        var server = new SocketServer(Engines.OptionsFor(transport, null), observer: observer);
        var ep = server.ListenStream("test", Transports.BindEndPoint(Engines.TransportOf(transport)), handler, layers: layers);
        server.Start();
        return (server, ep);
    }

    private static async Task<Socket> ConnectAsync(EndPoint ep)
    {
        var s = new Socket(ep.AddressFamily, SocketType.Stream, ep is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
        await s.ConnectAsync(ep).WaitAsync(TimeSpan.FromSeconds(10));
        return s;
    }

    private static ConnectionLayer Tagging(string tag, List<string> order) => ConnectionLayer.Use(tag, next => async c =>
    {
        lock (order) order.Add(tag);
        c.Output.Write(Encoding.ASCII.GetBytes(tag));
        await next(c);
    });

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task layers_run_in_the_order_given_then_the_handler(string transport)
    {
        var order = new List<string>();
        var (server, ep) = Start(transport, async c =>
        {
            lock (order) order.Add("handler");
            c.Output.Write("!"u8);
            await c.Output.FlushAsync();
        }, [Tagging("a", order), Tagging("b", order)]);
        await using var _ = server;
        using var client = await ConnectAsync(ep);
        Assert.Equal("ab!", Encoding.ASCII.GetString(await client.ReadToEndAsync()));
        lock (order) Assert.Equal(["a", "b", "handler"], order);
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task an_admission_layer_refuses_at_accept_before_the_handler_or_any_later_layer_runs(string transport)
    {
        var ran = 0;
        var recorder = new Recorder();
        var (server, ep) = Start(transport, c => { Interlocked.Increment(ref ran); return ValueTask.CompletedTask; },
            [ConnectionLayer.Admission(_ => "not on the allow list"), ConnectionLayer.Use("later", next => c => { Interlocked.Increment(ref ran); return next(c); })],
            recorder);
        await using var _ = server;
        using var client = await ConnectAsync(ep);
        // Refused at accept: closed without an answer.
        Assert.Empty(await client.ReadToEndAsync());
        Assert.Equal(0, Volatile.Read(ref ran));
        Assert.Equal(1, server.TotalRejected);
        Assert.Equal(0, server.TotalAccepted);
        lock (recorder.Rejections) Assert.Equal(["not on the allow list"], recorder.Rejections);
    }

    private static async Task<SslStream> TlsClientAsync(Socket socket, string? alpn = null)
    {
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), false, (_, _, _, _) => true);
        var options = new SslClientAuthenticationOptions { TargetHost = "localhost" };
        if (alpn is not null) options.ApplicationProtocols = [new SslApplicationProtocol(alpn)];
        await tls.AuthenticateAsClientAsync(options).WaitAsync(TimeSpan.FromSeconds(10));
        return tls;
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task echo_runs_unchanged_over_the_tls_layer_with_alpn_and_ends_with_close_notify(string transport)
    {
        using var dir = new TempDirectory("sock-layer-");
        var cert = MakeCertificate(dir);
        var sessions = new List<string>();
        var layer = new TlsServerLayer(cert.Certificate, new TlsServerOptions { Alpn = ["h2", "http/1.1"] })
        {
            Established = (_, session) => { lock (sessions) sessions.Add(session); },
        };
        var (server, ep) = Start(transport, EchoService.ServeAsync, [layer]);
        await using var _ = server;
        using var socket = await ConnectAsync(ep);
        await using var tls = await TlsClientAsync(socket, alpn: "http/1.1");
        Assert.Equal("http/1.1", tls.NegotiatedApplicationProtocol.ToString());
        var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 7);
        var reading = Task.Run(async () =>
        {
            var got = new byte[data.Length];
            await tls.ReadExactlyAsync(got);
            return got;
        });
        await tls.WriteAsync(data);
        var echoed = await reading.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(echoed));
        // Our close_notify only once no read is in progress: OpenSSL's shutdown racing a read on the same session fails
        // on the client side (SSL_ERROR_SYSCALL, seen once in a full run).
        await tls.ShutdownAsync();
        socket.Shutdown(SocketShutdown.Send);
        // The server answers with its own close_notify: the stream ends cleanly, with nothing more in it.
        Assert.Equal(0, await tls.ReadAsync(new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        lock (sessions) Assert.Contains("ALPN http/1.1", Assert.Single(sessions));
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_plain_client_against_the_tls_layer_is_closed_and_the_failed_handshake_reported(string transport)
    {
        using var dir = new TempDirectory("sock-layer-");
        var cert = MakeCertificate(dir);
        var recorder = new Recorder();
        var handled = 0;
        var (server, ep) = Start(transport, c => { Interlocked.Increment(ref handled); return ValueTask.CompletedTask; },
            [new TlsServerLayer(cert.Certificate, new TlsServerOptions())], recorder);
        await using var _ = server;
        using var client = await ConnectAsync(ep);
        await client.SendAllAsync("GET / HTTP/1.0\r\n\r\n"u8.ToArray());
        await recorder.Refused.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(await client.ReadToEndAsync());
        var (layer, reason, _) = Assert.Single(recorder.Refusals);
        Assert.Equal("tls", layer);
        Assert.StartsWith("TLS handshake with ", reason, StringComparison.Ordinal);
        Assert.EndsWith(" failed: the peer does not speak TLS (its answer is not a TLS record)", reason, StringComparison.Ordinal);
        Assert.Equal(0, Volatile.Read(ref handled));
        Assert.Equal(0, server.TotalErrors);
    }

    [Fact]
    public async Task a_client_that_never_starts_the_handshake_is_closed_at_the_handshake_timeout()
    {
        using var dir = new TempDirectory("sock-layer-");
        var cert = MakeCertificate(dir);
        var recorder = new Recorder();
        var layer = new TlsServerLayer(cert.Certificate, new TlsServerOptions()) { HandshakeTimeout = TimeSpan.FromMilliseconds(300) };
        var (server, ep) = Start(Transports.Tcp4, _ => ValueTask.CompletedTask, [layer], recorder);
        await using var _ = server;
        using var client = await ConnectAsync(ep);
        await recorder.Refused.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(await client.ReadToEndAsync());
        var (_, reason, _) = Assert.Single(recorder.Refusals);
        Assert.Matches(@"^TLS handshake with 127\.0\.0\.1:\d+ failed: timed out after 300ms$", reason);
    }

    [Fact]
    public async Task with_verify_a_client_without_a_certificate_is_refused_and_reset()
    {
        using var dir = new TempDirectory("sock-layer-");
        var server = MakeCertificate(dir);
        var clientCert = MakeCertificate(dir, "sock-test-client");
        var recorder = new Recorder();
        var handled = 0;
        var layer = new TlsServerLayer(server.Certificate, new TlsServerOptions { Verify = true, TrustFile = clientCert.CertFile });
        var (socketServer, ep) = Start(Transports.Tcp4, c => { Interlocked.Increment(ref handled); return ValueTask.CompletedTask; }, [layer], recorder);
        await using var _ = socketServer;
        using var socket = await ConnectAsync(ep);
        // Under TLS 1.3 the client finishes its side before the server has checked: the refusal comes after.
        try
        {
            await using var tls = await TlsClientAsync(socket);
            await tls.WriteAsync("hello\n"u8.ToArray());
            var buffer = new byte[16];
            await Assert.ThrowsAnyAsync<IOException>(async () => await tls.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
        {
        }
        await recorder.Refused.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var (_, reason, _) = Assert.Single(recorder.Refusals);
        Assert.EndsWith("failed: the client sent no certificate (--ssl-verify requires one)", reason, StringComparison.Ordinal);
        Assert.Equal(0, Volatile.Read(ref handled));
    }
}

using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Sock.Core.Connections;
using Sock.Core.Errors;
using Sock.Core.Tls;
using Sock.Tests.Netcat;
using Sock.Tests.Serving;
using Sock.Tests.Support;
using static Sock.Tests.Netcat.TlsConnectTests;

namespace Sock.Tests.Tls;

/// <summary>
/// The client TLS layer on <see cref="SocketClient"/> (<see cref="SocketClientOptions.Tls"/>): the returned connection's
/// pipes carry plaintext over a session with real TLS servers — sock's own <c>serve echo --ssl</c>, <c>ncat --ssl -l</c>
/// and <c>openssl s_server</c> — a 16 MiB payload comes back intact, completing the output ends the session with
/// close_notify (the server answers to the end), and a certificate that fails --ssl-verify's checks is refused with an
/// error that says what and why.
/// </summary>
public sealed class TlsClientLayerTests
{
    private const int Payload = 16 * 1024 * 1024;

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task sock_serve_echo_ssl_returns_16_MiB_intact_through_the_client_layer(string transport)
    {
        using var dir = new TempDirectory("sock-tlsc-");
        string[] where = transport switch
        {
            Transports.Tcp4 => ["--port", "0", "--bind", "127.0.0.1"],
            Transports.Tcp6 => ["--port", "0", "--bind", "::1"],
            _ => ["--unix", dir.File($"echo-{Environment.ProcessId}.sock")],
        };
        await using var serve = await ServeProcess.StartAsync(SockRunner.Command(["serve", "echo", "--ssl", .. where]), 1);
        var address = serve.Listeners()[("echo", transport == Transports.Unix ? "unix" : "tcp")];
        EndPoint endpoint = transport == Transports.Unix ? new UnixDomainSocketEndPoint(address)
            : new IPEndPoint(transport == Transports.Tcp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, int.Parse(address.Split(':')[^1]));

        await using var c = await SocketClient.ConnectAsync(endpoint, new SocketClientOptions { Tls = new TlsClientOptions() });
        await Bounded(c, () => EchoesIntactAsync(c));
    }

    [Theory]
    [InlineData(Transports.Tcp4)]
    [InlineData(Transports.Tcp6)]
    public async Task ncat_ssl_gets_16_MiB_intact_and_sends_16_MiB_intact_over_verified_sessions(string transport)
    {
        // ncat has no TLS over Unix sockets ("SSL option not supported when using Unix domain sockets"), and its -e relay
        // stalls when both directions are full at once (plain too), so each direction is its own session.
        Assert.True(ExternalTool.Exists("ncat"), "ncat is needed for this test");
        using var dir = new TempDirectory("sock-tlsc-");
        var cert = MakeCertificate(dir);
        var host = Loopback(transport);
        var family = transport == Transports.Tcp6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        var data = RandomNumberGenerator.GetBytes(Payload);
        // The certificate names 127.0.0.1 and ::1: checked against the trust file and the address connected to.
        var options = new SocketClientOptions { Tls = new TlsClientOptions { Verify = true, TrustFile = cert.CertFile } };

        // sock → ncat: completing the output ends the session (close_notify, FIN); ncat has it all and leaves.
        var port = FreePort(family);
        await using (var ncat = RunningProcess.Tool("ncat", hashStdout: true, "--ssl", "--ssl-cert", cert.CertFile, "--ssl-key", cert.KeyFile,
            "-l", host, port.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            await Net.WaitListeningAsync(transport, port, null);
            await using var c = await SocketClient.ConnectAsync(host, port, options);
            await Bounded(c, async () =>
            {
                await c.Output.WriteAsync(data);
                await c.Output.CompleteAsync();
                await ReadToEndAsync(c.Input);
            });
            Assert.Equal(0, await ncat.WaitForExitAsync());
            Assert.Equal((Convert.ToHexStringLower(SHA256.HashData(data)), (long)data.Length), ((await ncat.Stdout).Sha256, (await ncat.Stdout).Length));
        }

        // ncat → sock: ncat sends its stdin, then ends the session; the input ends with it.
        port = FreePort(family);
        await using (var ncat = RunningProcess.Tool("ncat", hashStdout: false, "--ssl", "--ssl-cert", cert.CertFile, "--ssl-key", cert.KeyFile,
            "--send-only", "-l", host, port.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            // ncat reads its stdin only once a client is there: fed alongside, not before.
            var feed = Task.Run(async () =>
            {
                await ncat.Stdin.WriteAsync(data);
                ncat.CloseStdin();
            });
            await Net.WaitListeningAsync(transport, port, null);
            await using var c = await SocketClient.ConnectAsync(host, port, options);
            byte[] received = [];
            await Bounded(c, async () => received = await ReadToEndAsync(c.Input));
            await feed.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(data.Length, received.Length);
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));
        }
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task openssl_s_server_sees_the_client_certificate_and_alpn_and_answers_in_plaintext(string transport)
    {
        Assert.True(ExternalTool.Exists("openssl"), "openssl is needed for this test");
        using var dir = new TempDirectory("sock-tlsc-");
        var server = MakeCertificate(dir);
        var client = MakeCertificate(dir, "sock-test-client");
        var (accept, endpoint) = SServerAddress(transport, dir);
        // -rev answers each line reversed; -Verify 1 with -verify_return_error refuses a client without a trusted certificate.
        await using var openssl = RunningProcess.Tool("openssl", hashStdout: false, ["s_server", .. accept, "-naccept", "1", "-rev",
            "-cert", server.CertFile, "-key", server.KeyFile, "-alpn", "sock-test", "-Verify", "1", "-CAfile", client.CertFile, "-verify_return_error"]);
        await WaitListeningAsync(transport, endpoint);

        var tls = new TlsClientOptions
        {
            Verify = true, TrustFile = server.CertFile, Alpn = ["sock-test"], CertFile = client.CertFile, KeyFile = client.KeyFile,
            // A Unix socket has no name of its own to check the certificate against.
            ServerName = transport == Transports.Unix ? "localhost" : null,
        };
        await using (var c = await SocketClient.ConnectAsync(endpoint, new SocketClientOptions { Tls = tls }))
        {
            await c.Output.WriteAsync("hello over tls\n"u8.ToArray());
            Assert.Equal("slt revo olleh\n", await ReadLineAsync(c.Input));
        }
        await openssl.WaitForExitAsync();
        var said = openssl.StdoutText + string.Join('\n', openssl.StderrLines);
        Assert.Contains("Peer certificate: CN = sock-test-client", said);
        Assert.Contains("ALPN protocols selected: sock-test", said);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task an_untrusted_certificate_is_refused_with_what_and_why(string transport)
    {
        Assert.True(ExternalTool.Exists("openssl"), "openssl is needed for this test");
        using var dir = new TempDirectory("sock-tlsc-");
        var cert = MakeCertificate(dir);
        var (accept, endpoint) = SServerAddress(transport, dir);
        await using var openssl = RunningProcess.Tool("openssl", hashStdout: false, ["s_server", .. accept, "-naccept", "1",
            "-cert", cert.CertFile, "-key", cert.KeyFile, "-quiet"]);
        await WaitListeningAsync(transport, endpoint);

        // Verified against the system's roots, which do not hold the test's self-signed certificate.
        var tls = new TlsClientOptions { Verify = true, ServerName = transport == Transports.Unix ? "localhost" : null };
        var ex = await Assert.ThrowsAsync<SockException>(() => SocketClient.ConnectAsync(endpoint, new SocketClientOptions { Tls = tls }));
        Assert.Equal(SockErrorKind.Network, ex.Kind);
        var target = endpoint is UnixDomainSocketEndPoint u ? u.ToString() : Sock.Core.Endpoints.EndpointText.Format(endpoint);
        Assert.StartsWith($"TLS handshake with {target} failed: the certificate is not trusted (", ex.Message);
    }

    [Fact]
    public async Task a_certificate_for_another_name_is_refused_with_the_name_it_was_not_for()
    {
        Assert.True(ExternalTool.Exists("openssl"), "openssl is needed for this test");
        using var dir = new TempDirectory("sock-tlsc-");
        var cert = MakeCertificate(dir);
        var (accept, endpoint) = SServerAddress(Transports.Tcp4, dir);
        await using var openssl = RunningProcess.Tool("openssl", hashStdout: false, ["s_server", .. accept, "-naccept", "1",
            "-cert", cert.CertFile, "-key", cert.KeyFile, "-quiet"]);
        await WaitListeningAsync(Transports.Tcp4, endpoint);

        var tls = new TlsClientOptions { Verify = true, TrustFile = cert.CertFile, ServerName = "db.example" };
        var ex = await Assert.ThrowsAsync<SockException>(() => SocketClient.ConnectAsync(endpoint, new SocketClientOptions { Tls = tls }));
        Assert.EndsWith("failed: the certificate (CN=sock-test-server) is not for db.example", ex.Message);
    }

    /// <summary>
    /// Writes 16 MiB of random bytes while reading the echo, checks it came back whole, then completes the output: the
    /// session ends with close_notify and the FIN, and the server's end of the session comes back as the end of the input.
    /// </summary>
    private static async Task EchoesIntactAsync(Connection c)
    {
        var data = RandomNumberGenerator.GetBytes(Payload);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(80));
        var writing = Task.Run(async () =>
        {
            for (var at = 0; at < data.Length; at += 64 * 1024)
                await c.Output.WriteAsync(data.AsMemory(at, Math.Min(64 * 1024, data.Length - at)), cts.Token);
        });
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long received = 0;
        var ended = false;
        var completed = false;
        while (!ended)
        {
            var r = await c.Input.ReadAsync(cts.Token);
            foreach (var segment in r.Buffer) hash.AppendData(segment.Span);
            received += r.Buffer.Length;
            c.Input.AdvanceTo(r.Buffer.End);
            if (received >= data.Length && !completed)
            {
                completed = true;
                await writing;
                await c.Output.CompleteAsync();
            }
            ended = r.IsCompleted;
        }
        Assert.Equal(data.Length, received);
        Assert.Equal(SHA256.HashData(data), hash.GetHashAndReset());
    }

    /// <summary>
    /// Runs <paramref name="body"/> for at most 90 s; past that (or when it fails) the connection is aborted, so disposing it
    /// does not wait on a peer that stopped reading.
    /// </summary>
    private static async Task Bounded(Connection c, Func<Task> body)
    {
        var run = body();
        try
        {
            await run.WaitAsync(TimeSpan.FromSeconds(90));
        }
        finally
        {
            if (!run.IsCompletedSuccessfully) c.Abort("the test gave up");
        }
    }

    private static async Task<byte[]> ReadToEndAsync(PipeReader input)
    {
        var all = new MemoryStream();
        while (true)
        {
            var r = await input.ReadAsync();
            foreach (var segment in r.Buffer) all.Write(segment.Span);
            input.AdvanceTo(r.Buffer.End);
            if (r.IsCompleted) return all.ToArray();
        }
    }

    /// <summary>s_server's address arguments and the endpoint to connect to (a fresh loopback port, or a short socket path).</summary>
    private static (string[] Accept, EndPoint EndPoint) SServerAddress(string transport, TempDirectory dir)
    {
        if (transport == Transports.Unix)
        {
            // Short: s_server -unix refuses paths well under sun_path's 108 bytes.
            var path = dir.File($"s{Environment.ProcessId % 1000}.sock");
            return (["-unix", path], new UnixDomainSocketEndPoint(path));
        }
        var family = transport == Transports.Tcp6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        var port = FreePort(family);
        var ip = transport == Transports.Tcp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        return (["-accept", transport == Transports.Tcp6 ? $"[::1]:{port}" : $"127.0.0.1:{port}"], new IPEndPoint(ip, port));
    }

    private static Task WaitListeningAsync(string transport, EndPoint endpoint) => endpoint is UnixDomainSocketEndPoint u
        ? Net.WaitListeningAsync(transport, 0, u.ToString())
        : Net.WaitListeningAsync(transport, ((IPEndPoint)endpoint).Port, null);

    private static async Task<string> ReadLineAsync(PipeReader input)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var r = await input.ReadAsync(cts.Token);
            if (r.Buffer.PositionOf((byte)'\n') is { } end)
            {
                var through = r.Buffer.GetPosition(1, end);
                var line = Encoding.UTF8.GetString(r.Buffer.Slice(0, through).ToArray());
                input.AdvanceTo(through);
                return line;
            }
            input.AdvanceTo(r.Buffer.Start, r.Buffer.End);
            if (r.IsCompleted) return Encoding.UTF8.GetString(r.Buffer.ToArray());
        }
    }
}

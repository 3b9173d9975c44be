using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Sock.Tests.Support;
using static Sock.Tests.Netcat.TlsConnectTests;

namespace Sock.Tests.Netcat;

/// <summary>`sock listen --ssl`: TLS with each client, against ncat's and OpenSSL's TLS clients and a .NET client in the test.</summary>
public sealed class TlsListenTests
{
    [Theory]
    [InlineData(Transports.Tcp4)]
    [InlineData(Transports.Tcp6)]
    public async Task ncat_ssl_clients_send_to_and_receive_from_sock_listen_ssl(string transport)
    {
        Assert.True(ExternalTool.Exists("ncat"), "ncat is needed for this test");
        var data = RandomNumberGenerator.GetBytes(512 * 1024 + 5);
        var expected = (Convert.ToHexStringLower(SHA256.HashData(data)), (long)data.Length);

        // ncat → sock, with sock's temporary certificate.
        var (listener, target) = await Net.StartListenerAsync(transport, "--ssl");
        await using (listener)
        {
            Assert.Contains(listener.StderrLines, l => l.StartsWith("TLS: made a temporary self-signed certificate", StringComparison.Ordinal));
            // Not --send-only: a client that never reads leaves the server's TLS 1.3 session tickets unread, and its close then resets.
            await using var ncat = RunningProcess.Tool("ncat", hashStdout: false, "--ssl", target.Host!, target.Port.ToString());
            await ncat.Stdin.WriteAsync(data);
            ncat.CloseStdin();
            var exit = await listener.WaitForExitAsync();
            Assert.True(exit == 0, $"exit {exit}: " + string.Join('\n', listener.StderrLines) + " | ncat: " + string.Join('\n', ncat.StderrLines));
            Assert.Equal(expected, ((await listener.Stdout).Sha256, (await listener.Stdout).Length));
            Assert.Contains(listener.StderrLines, l => l.StartsWith("TLS session with ", StringComparison.Ordinal));
        }

        // sock → ncat.
        (listener, target) = await Net.StartListenerAsync(transport, "--ssl", "--send-only");
        await using (listener)
        {
            var feed = Task.Run(async () =>
            {
                await listener.Stdin.WriteAsync(data);
                listener.CloseStdin();
            });
            await using var ncat = RunningProcess.Tool("ncat", hashStdout: true, "--ssl", "--recv-only", target.Host!, target.Port.ToString());
            await feed.WaitAsync(TimeSpan.FromSeconds(20));
            await ncat.WaitForExitAsync();
            Assert.Equal(expected, ((await ncat.Stdout).Sha256, (await ncat.Stdout).Length));
            Assert.Equal(0, await listener.WaitForExitAsync());
        }
    }

    /// <summary>A .NET TLS client: sends <paramref name="data"/>, half-closes with close_notify and SHUT_WR, returns what comes back.</summary>
    private static async Task<string> SendAndHalfCloseAsync(Target target, byte[] data)
    {
        using var socket = await target.ConnectAsync();
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" });
        await tls.WriteAsync(data);
        await tls.ShutdownAsync();
        socket.Shutdown(SocketShutdown.Send);
        var answer = new MemoryStream();
        await tls.CopyToAsync(answer).WaitAsync(TimeSpan.FromSeconds(20));
        return Encoding.ASCII.GetString(answer.ToArray());
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_client_that_half_closes_with_close_notify_gets_the_programs_answer(string transport)
    {
        var (listener, target) = await Net.StartListenerAsync(transport, "--ssl", "-c", "sha256sum");
        await using var _ = listener;
        var data = RandomNumberGenerator.GetBytes(2 * 1024 * 1024 + 9);
        Assert.Equal($"{Convert.ToHexStringLower(SHA256.HashData(data))}  -\n", await SendAndHalfCloseAsync(target, data));
        Assert.Equal(0, await listener.WaitForExitAsync());
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task with_k_each_clients_program_talks_through_its_own_tls_session(string transport)
    {
        var (listener, target) = await Net.StartListenerAsync(transport, "--ssl", "-k", "-c", "sha256sum");
        await using var _ = listener;
        var first = RandomNumberGenerator.GetBytes(300_001);
        var second = RandomNumberGenerator.GetBytes(70_003);
        var answers = await Task.WhenAll(SendAndHalfCloseAsync(target, first), SendAndHalfCloseAsync(target, second));
        Assert.Equal($"{Convert.ToHexStringLower(SHA256.HashData(first))}  -\n", answers[0]);
        Assert.Equal($"{Convert.ToHexStringLower(SHA256.HashData(second))}  -\n", answers[1]);
        Assert.Equal(2, listener.StderrLines.Count(l => l.StartsWith("TLS session with ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task openssl_s_client_checks_the_given_certificate_offers_alpn_and_must_present_its_own()
    {
        Assert.True(ExternalTool.Exists("openssl"), "openssl is needed for this test");
        using var dir = new TempDirectory("sock-tls-");
        var server = MakeCertificate(dir);
        var client = MakeCertificate(dir, "sock-test-client");
        string[] listen = ["--ssl-cert", server.CertFile, "--ssl-key", server.KeyFile, "--ssl-verify", "--ssl-trustfile", client.CertFile, "--ssl-alpn", "h2,http/1.1"];

        var (listener, target) = await Net.StartListenerAsync(Transports.Tcp4, listen);
        await using (listener)
        {
            await using var openssl = RunningProcess.Tool("openssl", hashStdout: false, "s_client", "-connect", $"127.0.0.1:{target.Port}",
                "-CAfile", server.CertFile, "-verify_return_error", "-alpn", "h2", "-cert", client.CertFile, "-key", client.KeyFile, "-quiet", "-no_ign_eof");
            await openssl.Stdin.WriteAsync("hello from s_client\n"u8.ToArray());
            await listener.WaitForStderrAsync("^TLS session with ");
            await Task.Delay(300);
            openssl.CloseStdin();
            Assert.True(await listener.WaitForExitAsync() == 0, string.Join('\n', listener.StderrLines));
            Assert.Equal("hello from s_client\n", listener.StdoutText);
            var session = Assert.Single(listener.StderrLines, l => l.StartsWith("TLS session with ", StringComparison.Ordinal));
            Assert.Contains(", ALPN h2, client certificate CN=sock-test-client", session);
            Assert.Contains(openssl.StderrLines, l => l.Contains("verify return:1", StringComparison.Ordinal));
        }

        // Without a client certificate the handshake fails, and says why.
        (listener, target) = await Net.StartListenerAsync(Transports.Tcp4, listen);
        await using (listener)
        {
            await using var openssl = RunningProcess.Tool("openssl", hashStdout: false, "s_client", "-connect", $"127.0.0.1:{target.Port}", "-CAfile", server.CertFile, "-quiet");
            Assert.Equal(1, await listener.WaitForExitAsync());
            Assert.Contains(listener.StderrLines, l => l.StartsWith("sock: TLS handshake with 127.0.0.1:", StringComparison.Ordinal)
                && l.EndsWith("failed: the client sent no certificate (--ssl-verify requires one)", StringComparison.Ordinal));
        }
    }
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Sock.Tests.Netcat;
using Sock.Tests.Support;
using static Sock.Tests.Netcat.TlsConnectTests;

namespace Sock.Tests.Serving;

/// <summary>`sock serve --ssl`: every stream service over TLS, with ncat --ssl and openssl s_client as clients.</summary>
public sealed class ServeCommandTlsTests
{
    /// <summary>sock serve ARGS… on <paramref name="transport"/> (loopback port 0, or a Unix path in <paramref name="dir"/>).</summary>
    private static Task<ServeProcess> StartAsync(string transport, TempDirectory dir, params string[] args)
    {
        string[] where = transport switch
        {
            Transports.Tcp4 => ["--port", "0", "--bind", "127.0.0.1"],
            Transports.Tcp6 => ["--port", "0", "--bind", "::1"],
            _ => ["--unix", dir.File($"echo-{Environment.ProcessId}.sock")],
        };
        return ServeProcess.StartAsync(SockRunner.Command(["serve", .. args, .. where]), 1);
    }

    /// <summary>ncat's (or openssl's) arguments to reach the one stream service <paramref name="serve"/> runs.</summary>
    private static string[] Target(ServeProcess serve, string transport, string service = "echo")
    {
        var protocol = transport == Transports.Unix ? "unix" : "tcp";
        var address = serve.Listeners()[(service, protocol)];
        if (transport == Transports.Unix) return ["-U", address];
        var port = address.Split(':')[^1];
        return [transport == Transports.Tcp6 ? "::1" : "127.0.0.1", port];
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task serve_echo_ssl_returns_16_MiB_to_openssl_s_client_intact(string transport)
    {
        Assert.True(ExternalTool.Exists("openssl"), "openssl is needed for this test");
        using var dir = new TempDirectory("sock-serve-tls-");
        await using var serve = await StartAsync(transport, dir, "echo", "--ssl");
        Assert.Contains(serve.StderrLines, l => l.StartsWith("serving echo (RFC 862, TLS) on ", StringComparison.Ordinal));
        var target = Target(serve, transport);
        // ncat --ssl does not run over Unix sockets; s_client does over all three. -nocommands: a line of the random
        // payload that starts with Q must not read as "quit"; -no_ign_eof: the end of stdin ends the session.
        string[] connect = transport == Transports.Unix ? ["-unix", target[1]] : ["-connect", transport == Transports.Tcp6 ? $"[::1]:{target[1]}" : $"127.0.0.1:{target[1]}"];
        var psi = new System.Diagnostics.ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in (string[])["s_client", .. connect, "-quiet", "-no_ign_eof", "-nocommands"]) psi.ArgumentList.Add(a);
        using var openssl = System.Diagnostics.Process.Start(psi)!;
        var stderr = openssl.StandardError.ReadToEndAsync();
        var data = RandomNumberGenerator.GetBytes(16 * 1024 * 1024);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long received = 0;
        var feed = Task.Run(async () => await openssl.StandardInput.BaseStream.WriteAsync(data));
        try
        {
            // Read until the whole echo is back, then end stdin: s_client then sends close_notify and exits.
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var buffer = new byte[65536];
            while (received < data.Length)
            {
                var n = await openssl.StandardOutput.BaseStream.ReadAsync(buffer, cts.Token);
                if (n == 0) break;
                hash.AppendData(buffer, 0, n);
                received += n;
            }
            await feed.WaitAsync(TimeSpan.FromSeconds(10));
            openssl.StandardInput.Close();
            await openssl.WaitForExitAsync(cts.Token);
        }
        finally
        {
            if (!openssl.HasExited) openssl.Kill(entireProcessTree: true);
        }
        Assert.True(received == data.Length, $"{received} of {data.Length} bytes came back; s_client: {await stderr}");
        Assert.Equal(SHA256.HashData(data), hash.GetHashAndReset());
        Assert.DoesNotContain(serve.StderrLines, l => l.Contains("TLS handshake", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_plain_client_against_serve_ssl_is_closed_and_the_failed_handshake_is_printed(string transport)
    {
        using var dir = new TempDirectory("sock-serve-tls-");
        await using var serve = await StartAsync(transport, dir, "echo", "--ssl");
        var target = Target(serve, transport);
        EndPoint ep = transport == Transports.Unix
            ? new UnixDomainSocketEndPoint(target[1])
            : new IPEndPoint(IPAddress.Parse(target[0]), int.Parse(target[1], CultureInfo.InvariantCulture));
        using var client = new Socket(ep.AddressFamily, SocketType.Stream, transport == Transports.Unix ? ProtocolType.Unspecified : ProtocolType.Tcp);
        await client.ConnectAsync(ep).WaitAsync(TimeSpan.FromSeconds(10));
        await client.SendAllAsync("hello, plain text\n"u8.ToArray());
        // Closed without a byte back: not even the echo of what it sent.
        Assert.Empty(await client.ReadToEndAsync());
        // Printed without -v: a client that cannot talk to the server is never silent.
        var line = await serve.WaitForStderrAsync(l => l.StartsWith("echo: TLS handshake with ", StringComparison.Ordinal));
        Assert.EndsWith(" failed: the peer does not speak TLS (its answer is not a TLS record)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ssl_verify_refuses_a_client_without_a_certificate_and_serves_one_with_a_trusted_certificate()
    {
        Assert.True(ExternalTool.Exists("openssl"), "openssl is needed for this test");
        using var dir = new TempDirectory("sock-serve-tls-");
        var server = MakeCertificate(dir);
        var client = MakeCertificate(dir, "sock-test-client");
        await using var serve = await StartAsync(Transports.Tcp4, dir, "echo", "-v", "--ssl-cert", server.CertFile, "--ssl-key", server.KeyFile,
            "--ssl-verify", "--ssl-trustfile", client.CertFile, "--ssl-alpn", "h2,http/1.1");
        var port = Target(serve, Transports.Tcp4)[1];

        // Without a certificate: refused, and the server says why.
        await using (var bare = RunningProcess.Tool("openssl", hashStdout: false, "s_client", "-connect", $"127.0.0.1:{port}", "-CAfile", server.CertFile, "-quiet"))
        {
            await bare.Stdin.WriteAsync("hello\n"u8.ToArray());
            var refused = await serve.WaitForStderrAsync(l => l.StartsWith("echo: TLS handshake with 127.0.0.1:", StringComparison.Ordinal));
            Assert.EndsWith("failed: the client sent no certificate (--ssl-verify requires one)", refused, StringComparison.Ordinal);
            bare.CloseStdin();
            await bare.WaitForExitAsync();
            Assert.Empty(bare.StdoutText);
        }

        // With a certificate the server trusts (ncat --ssl presenting one): the echo, ALPN agreed, the client's certificate named with -v.
        await using var trusted = RunningProcess.Tool("ncat", hashStdout: false, "--ssl", "--ssl-cert", client.CertFile, "--ssl-key", client.KeyFile,
            "--ssl-alpn", "h2", "127.0.0.1", port);
        await trusted.Stdin.WriteAsync("hello from ncat\n"u8.ToArray());
        trusted.CloseStdin();
        Assert.True(await trusted.WaitForExitAsync() == 0, string.Join(" | ", trusted.StderrLines));
        Assert.Equal("hello from ncat\n", trusted.StdoutText);
        var session = await serve.WaitForStderrAsync(l => l.Contains(" echo TLS session with 127.0.0.1:", StringComparison.Ordinal));
        Assert.Contains(", ALPN h2, client certificate CN=sock-test-client", session);
    }

    [Theory]
    [InlineData("--ssl-cert", "missing")]
    [InlineData("--ssl-cert", "not-pem")]
    [InlineData("--ssl-trustfile", "not-pem")]
    public async Task a_bad_certificate_file_is_a_one_line_usage_error_before_anything_listens(string option, string kind)
    {
        using var dir = new TempDirectory("sock-serve-tls-");
        var file = dir.File($"{kind}.pem");
        if (kind == "not-pem") await File.WriteAllTextAsync(file, "this is not a certificate\n");
        string[] tls = option == "--ssl-cert" ? ["--ssl-cert", file] : ["--ssl-verify", "--ssl-trustfile", file];
        var run = await SockRunner.RunAsync(["serve", "echo", "--port", "0", "--bind", "127.0.0.1", .. tls]);
        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"sock: {option} {file}: ", line, StringComparison.Ordinal);
        // sock's words, not .NET's ("Could not find file '…'", "The contents of … do not contain a PEM …").
        if (kind == "missing") Assert.EndsWith(": no such file", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Could not", line, StringComparison.Ordinal);
        Assert.DoesNotContain("contents", line, StringComparison.Ordinal);
        Assert.DoesNotContain("serving", run.Stderr + run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--udp")]
    [InlineData("--tcp --udp")]
    public async Task ssl_with_udp_is_a_usage_error(string udp)
    {
        var run = await SockRunner.RunAsync($"serve echo --port 0 --bind 127.0.0.1 --ssl {udp}");
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("sock: serve --ssl --udp: TLS runs over a stream; DTLS is not supported", run.Stderr.Trim());
    }

    [Fact]
    public async Task ssl_alone_serves_tcp_only_and_json_tells_the_certificate_the_tls_listeners_and_each_refusal()
    {
        using var dir = new TempDirectory("sock-serve-tls-");
        await using var serve = await StartAsync(Transports.Tcp4, dir, "echo", "daytime", "--json", "--ssl");
        var listeners = serve.Listeners();
        Assert.Equal(["tcp"], listeners.Keys.Select(k => k.Protocol).Distinct());
        Assert.Contains(serve.StdoutLines, l => l.Contains("\"event\":\"certificate\"", StringComparison.Ordinal) && l.Contains("\"temporary\":true", StringComparison.Ordinal));
        Assert.All(serve.StdoutLines.Where(l => l.Contains("\"event\":\"serving\"", StringComparison.Ordinal)), l => Assert.Contains("\"tls\":true", l));
        var port = int.Parse(listeners[("daytime", "tcp")].Split(':')[^1], CultureInfo.InvariantCulture);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(TimeSpan.FromSeconds(10));
        await client.SendAllAsync("not TLS\n"u8.ToArray());
        Assert.Empty(await client.ReadToEndAsync());
        var refused = await serve.WaitForStdoutAsync(l => l.Contains("\"event\":\"refused\"", StringComparison.Ordinal));
        Assert.Contains("\"service\":\"daytime\"", refused);
        Assert.Contains("\"layer\":\"tls\"", refused);
        Assert.Contains("the peer does not speak TLS", refused);
    }
}

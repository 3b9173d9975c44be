using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Sock.Tests.Support;

namespace Sock.Tests.Netcat;

/// <summary>
/// The peer's end of stream while stdin is still open (issue 20), as ncat behaves: stdout ends at once, so a pipeline
/// downstream sees EOF while sock is still running, and what stdin carries still goes to the peer; --recv-only ends
/// there; --send-only goes on sending. Clients (sock connect) and servers (sock listen), over TCP/IPv4, TCP/IPv6, Unix
/// and TLS. Nothing here is timed: stdin is kept busy (never idle, so sock has no reason to leave), and the test asserts
/// the order of events — stdout's EOF came while the process was alive, stdin's later bytes reached the peer.
/// </summary>
public sealed class PeerEndOfStreamTests
{
    private const string Tls = "tls";

    public static TheoryData<string, string, string> Cases
    {
        get
        {
            var d = new TheoryData<string, string, string>();
            foreach (var side in new[] { "connect", "listen" })
                foreach (var transport in new[] { Transports.Tcp4, Transports.Tcp6, Transports.Unix, Tls })
                    foreach (var mode in new[] { "plain", "--send-only", "--recv-only" })
                        d.Add(side, transport, mode);
            return d;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task stdout_ends_at_the_peers_end_of_stream_while_stdin_still_goes_out(string side, string transport, string mode)
    {
        using var dir = new TempDirectory("sock-peer-eof-");
        var certificate = transport == Tls ? TlsConnectTests.MakeCertificate(dir) : null;
        string[] modeArgs = mode == "plain" ? [] : [mode];
        Socket? listening = null;
        RunningProcess sock;
        Socket socket;
        if (side == "connect")
        {
            (listening, var target) = Net.TestListener(transport == Tls ? Transports.Tcp4 : transport);
            sock = RunningProcess.Sock(["connect", .. transport == Tls ? ["--ssl"] : Array.Empty<string>(), .. modeArgs, .. target.ConnectArgs]);
            socket = await listening.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }
        else
        {
            string[] tlsArgs = certificate is null ? [] : ["--ssl-cert", certificate.CertFile, "--ssl-key", certificate.KeyFile];
            var (listener, target) = await Net.StartListenerAsync(transport == Tls ? Transports.Tcp4 : transport, [.. tlsArgs, .. modeArgs]);
            sock = listener;
            socket = await target.ConnectAsync();
        }
        await using var _ = sock;
        using var __ = listening;
        using var ___ = socket;
        Stream peer = new NetworkStream(socket, ownsSocket: false);
        if (certificate is not null)
        {
            var ssl = new SslStream(peer, leaveInnerStreamOpen: false);
            using var handshake = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            if (side == "connect")
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate.Certificate }, handshake.Token);
            else
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = (_, _, _, _) => true }, handshake.Token);
            peer = ssl;
        }

        // stdin never goes idle: a line after another, as fast as sock takes them, until the test says stop.
        using var feeding = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var feeder = mode == "--recv-only" ? Task.CompletedTask : FeedAsync(sock, feeding.Token);
        // What reaches the peer, read to its end in the background (sock must never stall on a full socket). Over TLS
        // the reading starts once close_notify is out: OpenSSL's shutdown racing a read on another thread (one that was
        // taking in the server's session tickets) failed once with SSL_ERROR_SYSCALL in the test's own SslStream.
        var received = peer is SslStream ? null : ReadAllAsync(peer);

        await peer.WriteAsync("bye\n"u8.ToArray());
        await peer.FlushAsync();
        // The peer's end of stream: close_notify first over TLS, then SHUT_WR; its read side stays open.
        if (peer is SslStream tls) await tls.ShutdownAsync();
        socket.Shutdown(SocketShutdown.Send);
        received ??= ReadAllAsync(peer);

        if (mode != "--send-only")
        {
            var stdout = await sock.Stdout.WaitAsync(TimeSpan.FromSeconds(20));
            var exitedAtStdoutEof = sock.Process.HasExited;
            Assert.Equal("bye\n", Encoding.ASCII.GetString(stdout.Bytes));
            if (mode == "plain")
                Assert.False(exitedAtStdoutEof, "stdout reached EOF only when sock exited, not at the peer's end of stream");
        }

        if (mode != "--recv-only")
        {
            // What stdin carried after the peer's end of stream still reached the peer.
            var before = ReceivedSoFar;
            await WaitForAsync(() => ReceivedSoFar > before + 64 * 1024, $"stdin stopped reaching the peer after its end of stream ({mode})");
            Assert.False(sock.Process.HasExited, "sock left while stdin was still moving");
        }
        await feeding.CancelAsync();
        await feeder;
        sock.CloseStdin();
        Assert.Equal(0, await sock.WaitForExitAsync(20));
        await received.WaitAsync(TimeSpan.FromSeconds(20));
        // --send-only writes nothing of the peer's; its stdout ends when it does, as ncat's (which never reads the socket).
        if (mode == "--send-only") Assert.Empty((await sock.Stdout).Bytes);
    }

    private long _received;

    private long ReceivedSoFar => Interlocked.Read(ref _received);

    private async Task FeedAsync(RunningProcess sock, CancellationToken ct)
    {
        var line = Encoding.ASCII.GetBytes(new string('x', 1023) + "\n");
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await sock.Stdin.WriteAsync(line, ct);
                await sock.Stdin.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) { }
        catch (IOException) { }
    }

    private async Task ReadAllAsync(Stream peer)
    {
        var buf = new byte[65536];
        try
        {
            int n;
            while ((n = await peer.ReadAsync(buf)) > 0) Interlocked.Add(ref _received, n);
        }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(what);
            await Task.Delay(20);
        }
    }
}

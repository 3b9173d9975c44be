using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Tests.Support;

namespace Sock.Tests.Netcat;

/// <summary>More connect options: -s/-p, --send-only, --recv-only, -d, --progress, UDP -z, Unix datagram, nc's delay.</summary>
public class ConnectOptionTests
{
    [Theory]
    [InlineData(Transports.Tcp4)]
    [InlineData(Transports.Tcp6)]
    [InlineData(Transports.Udp4)]
    [InlineData(Transports.Udp6)]
    public async Task source_address_and_port_are_bound_before_connecting(string transport)
    {
        var (server, target) = Net.TestListener(transport);
        using var _ = server;
        int sourcePort;
        var loop = transport is Transports.Tcp6 or Transports.Udp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        // A port below Linux's ephemeral range (32768+), so the many client sockets other tests open cannot take it
        // between this probe and sock's bind, and above 30,037, the top of the fixed ports the serve tests draw
        // (20,000–30,000 plus a service's standard port), which took it once.
        while (true)
        {
            sourcePort = Random.Shared.Next(30_100, 32_700);
            using var probe = new Socket(loop.AddressFamily, Transports.SocketTypeOf(transport), transport is Transports.Udp4 or Transports.Udp6 ? ProtocolType.Udp : ProtocolType.Tcp);
            try { probe.Bind(new IPEndPoint(loop, sourcePort)); break; }
            catch (SocketException) { }
        }
        var run = SockRunner.RunAsync(["connect", "-q", "200ms", "-s", loop.ToString(), "-p", sourcePort.ToString(), .. target.ConnectArgs], "x");
        EndPoint? from;
        if (Transports.SocketTypeOf(transport) == SocketType.Stream)
        {
            using var c = await server.AcceptAsync();
            from = c.RemoteEndPoint;
            // Read sock's "x" and its FIN before closing: closing with the byte unread sends a reset, which sock
            // rightly reports as an error when it arrives before sock is done (a fast start makes that likely).
            await Net.ReadToEndAsync(c);
        }
        else
        {
            var r = await server.ReceiveFromAsync(new byte[16], new IPEndPoint(loop.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
            from = r.RemoteEndPoint;
        }
        var result = await run;
        Assert.True(result.ExitCode == 0, result.ToString()); // its stderr says why, if it ever fails
        Assert.Equal(new IPEndPoint(loop, sourcePort), from);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task send_only_drops_what_arrives_and_recv_only_and_no_stdin_send_nothing(string transport)
    {
        var (server, target) = Net.TestListener(transport);
        using var _ = server;
        var send = SockRunner.RunAsync(["connect", "--send-only", .. target.ConnectArgs], "up");
        using (var c = await server.AcceptAsync())
        {
            await c.SendAsync("down"u8.ToArray());
            Assert.Equal("up", Encoding.ASCII.GetString(await Net.ReadToEndAsync(c)));
        }
        var s = await send;
        Assert.Equal(0, s.ExitCode);
        Assert.Equal("", s.Stdout);

        foreach (var flag in new[] { "--recv-only", "-d", "--no-stdin" })
        {
            await using var sock = RunningProcess.Sock(["connect", flag, .. target.ConnectArgs]);
            await sock.Stdin.WriteAsync("never sent"u8.ToArray());
            await sock.Stdin.FlushAsync();
            sock.CloseStdin();
            using var c = await server.AcceptAsync();
            await c.SendAsync("down"u8.ToArray());
            // Nothing arrives, and no EOF either (stdin is not read, so it never ends): the read times out.
            var buf = new byte[32];
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(600));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await c.ReceiveAsync(buf, SocketFlags.None, cts.Token));
            c.Close();
            Assert.Equal(0, await sock.WaitForExitAsync());
            Assert.Equal("down", sock.StdoutText);
        }
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task send_only_quits_at_end_of_input_like_ncat(string transport)
    {
        var (server, target) = Net.TestListener(transport);
        using var _ = server;
        var run = SockRunner.RunAsync(["connect", "--send-only", .. target.ConnectArgs], "all of it");
        using var c = await server.AcceptAsync();
        // The server never closes: sock still ends, about 0.5 s after its stdin ended.
        Assert.Equal("all of it", Encoding.ASCII.GetString(await Net.ReadToEndAsync(c)));
        var r = await run;
        Assert.Equal(0, r.ExitCode);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task progress_reports_a_summary_on_stderr(string transport)
    {
        var (server, target) = Net.TestListener(transport);
        using var _ = server;
        var run = SockRunner.RunAsync(["connect", "--progress", .. target.ConnectArgs], new string('x', 100_000));
        using (var c = await server.AcceptAsync()) { await Net.ReadToEndAsync(c); }
        var r = await run;
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"total: sent 97\.7 KiB \(.*\), received 0 B", r.Stderr);
        Assert.DoesNotContain("\u001b", r.Stderr);
    }

    [Theory]
    [MemberData(nameof(Transports.Datagram), MemberType = typeof(Transports))]
    public async Task udp_zero_io_hears_a_refusal(string transport)
    {
        var (server, target) = Net.TestListener(transport);
        var open = await SockRunner.RunAsync(["connect", "-z", "-w", "300ms", .. target.ConnectArgs]);
        Assert.Equal(0, open.ExitCode);
        server.Dispose();
        var closed = await SockRunner.RunAsync(["connect", "-z", "-w", "300ms", .. target.ConnectArgs]);
        Assert.Equal(1, closed.ExitCode);
        Assert.Contains("refused", Assert.Single(closed.StderrLines));
    }

    [Fact]
    public async Task unix_datagram_connect_and_listen()
    {
        using var dir = new TempDirectory("sock-udg-");
        var path = dir.File("d.sock");
        await using var listener = RunningProcess.Sock("listen", "-v", "-u", "-U", path);
        await listener.WaitForStderrAsync("Listening on");
        await using var client = RunningProcess.Sock("connect", "-u", "-q", "2s", "-U", path);
        await client.Stdin.WriteAsync("over a unix datagram socket\n"u8.ToArray());
        await client.Stdin.FlushAsync();
        await listener.WaitForStderrAsync("Connection from");
        await listener.Stdin.WriteAsync("reply\n"u8.ToArray());
        await listener.Stdin.FlushAsync();
        client.CloseStdin();
        Assert.Equal(0, await client.WaitForExitAsync());
        Assert.Equal("reply\n", client.StdoutText);
        listener.Process.Kill();
        await listener.WaitForExitAsync();
        Assert.Equal("over a unix datagram socket\n", listener.StdoutText);
    }

    [Fact]
    public async Task nc_delay_spaces_the_writes()
    {
        var (server, target) = Net.TestListener(Transports.Tcp4);
        using var _ = server;
        await using var sock = RunningProcess.Sock("nc", "-d", "400ms", target.Host!, target.Port.ToString());
        using var c = await server.AcceptAsync();
        // The clock starts before "a" is even given to sock, so sock's delay after sending it lies wholly inside what is
        // measured, however late this side sees "a" (a clock started at its arrival saw 85 ms once, under load).
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await sock.Stdin.WriteAsync("a"u8.ToArray());
        await sock.Stdin.FlushAsync();
        var buf = new byte[8];
        Assert.Equal(1, await c.ReceiveAsync(buf));
        await sock.Stdin.WriteAsync("b"u8.ToArray());
        await sock.Stdin.FlushAsync();
        Assert.Equal(1, await c.ReceiveAsync(buf));
        Assert.True(sw.ElapsedMilliseconds >= 350, $"second write {sw.ElapsedMilliseconds} ms after the first was given");
    }
}

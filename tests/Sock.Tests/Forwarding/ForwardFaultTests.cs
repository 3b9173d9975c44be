using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Forwarding;

/// <summary>
/// Faults around `sock forward`: a target down at first and up later (--retry), a client killed mid-transfer, a target
/// killed mid-transfer (the forwarder serves the next client either way), and SIGTERM with a transfer in flight, which
/// --drain lets finish intact before the exit (0).
/// </summary>
public sealed class ForwardFaultTests
{
    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_target_down_at_first_is_reached_when_it_comes_up_with_retry(string transport)
    {
        using var dir = new TempDirectory("sock-fwd-retry-");
        var (endpoint, _, _) = ForwardPeers.Reserve(transport, dir);
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir), ForwardPeers.TargetSpelling(endpoint),
            "--retry", "50", "--retry-delay", "100ms", "-v");
        using var c = await forward.ConnectAsync();
        await c.SendAsync("waited\n"u8.ToArray());
        // The forwarder has tried and failed at least once before the target exists.
        await forward.Process.WaitForStderrAsync(@"^#1 connect to .* failed: .*; attempt 2 in 100ms$");
        using var target = new Socket(endpoint.AddressFamily, SocketType.Stream, endpoint is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
        target.Bind(endpoint);
        target.Listen();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var accepted = await target.AcceptAsync(cts.Token);
        Assert.Equal("waited\n", await Net.ReadUntilAsync(accepted, "\n"));
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task without_retry_a_target_that_refuses_is_a_clean_close_and_a_logged_reason(string transport)
    {
        using var dir = new TempDirectory("sock-fwd-retry-");
        var (endpoint, _, _) = ForwardPeers.Reserve(transport, dir);
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir), ForwardPeers.TargetSpelling(endpoint));
        using var c = await forward.ConnectAsync();
        Assert.Empty(await Net.ReadToEndAsync(c, TimeSpan.FromSeconds(20)));
        await forward.Process.WaitForStderrAsync(@"^#1 refused \S+: connect to \S+ failed: ");
        Assert.False(forward.Process.Process.HasExited);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_client_killed_mid_transfer_ends_its_session_and_the_next_client_is_served(string transport)
    {
        using var dir = new TempDirectory("sock-fwd-kill-");
        var (listener, target) = Net.TestListener(transport);
        using var _ = listener;
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir), ForwardPeers.TargetSpelling(target.EndPoint), "-v");
        var address = forward.Bound is UnixDomainSocketEndPoint u ? $"UNIX-CONNECT:{u}" : forward.Bound is IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } v6 ? $"TCP6:[{v6.Address}]:{v6.Port}" : $"TCP4:{forward.Bound}";
        await using (var client = RunningProcess.Tool("socat", false, "-u", "OPEN:/dev/zero", address))
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            using var accepted = await listener.AcceptAsync(cts.Token);
            var buffer = new byte[1 << 16];
            var got = 0L;
            while (got < 4 << 20) got += await accepted.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            client.Process.Kill();
            // The target's side ends (the client's close passed on) once what was in flight has been read.
            try
            {
                while (await accepted.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0) { }
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
            {
            }
        }
        await forward.Process.WaitForStderrAsync(@"^#1 closed ");
        await ServesOneMoreAsync(forward, listener);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_target_killed_mid_transfer_ends_the_clients_session_and_the_next_client_is_served(string transport)
    {
        using var dir = new TempDirectory("sock-fwd-kill-");
        var (socat, endpoint) = await ForwardPeers.SocatTargetAsync(transport, dir, "OPEN:/dev/zero");
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir), ForwardPeers.TargetSpelling(endpoint), "-v");
        using (var c = await forward.ConnectAsync())
        {
            var buffer = new byte[1 << 16];
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var got = 0L;
            while (got < 4 << 20) got += await c.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            await socat.DisposeAsync(); // killed, with its children (the one serving this connection among them)
            try
            {
                while (await c.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0) { }
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
            {
            }
        }
        await forward.Process.WaitForStderrAsync(@"^#1 closed ");
        Assert.False(forward.Process.Process.HasExited);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task sigterm_with_a_transfer_in_flight_lets_it_finish_within_the_drain(string transport)
    {
        using var dir = new TempDirectory("sock-fwd-drain-");
        var (listener, target) = Net.TestListener(transport);
        using var _ = listener;
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir), ForwardPeers.TargetSpelling(target.EndPoint), "--drain", "60s");
        var data = RandomNumberGenerator.GetBytes(32 << 20);
        using var c = await forward.ConnectAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        using var accepted = await listener.AcceptAsync(cts.Token);
        // The target reads slowly at first, so the transfer is surely in flight when the signal comes.
        var sending = Task.Run(async () =>
        {
            for (var at = 0; at < data.Length; at += 1 << 20) await c.SendAsync(data.AsMemory(at, 1 << 20), SocketFlags.None, cts.Token);
            c.Shutdown(SocketShutdown.Send);
        });
        var received = new MemoryStream();
        var buffer = new byte[1 << 16];
        while (received.Length < 1 << 20) received.Write(buffer, 0, await accepted.ReceiveAsync(buffer, SocketFlags.None, cts.Token));
        forward.Signal("TERM");
        await forward.Process.WaitForStderrAsync(@"^forward: stopping: 1 session\(s\) open, draining up to 60s");
        // The one in flight goes on to its end, intact.
        int n;
        while ((n = await accepted.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0) received.Write(buffer, 0, n);
        await sending;
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(received.ToArray()));
        accepted.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, await forward.Process.WaitForExitAsync(60));
    }

    private static async Task ServesOneMoreAsync(ForwardProcess forward, Socket listener)
    {
        using var c = await forward.ConnectAsync();
        await c.SendAsync("next\n"u8.ToArray());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var accepted = await listener.AcceptAsync(cts.Token);
        Assert.Equal("next\n", await Net.ReadUntilAsync(accepted, "\n"));
    }
}

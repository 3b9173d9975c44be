using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Core.Connections;
using Sock.Core.Errors;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Connections;

/// <summary>
/// The client side of the connection model against socat as the server, over every stream transport: the pipes carry
/// data both ways, completing the output sends the FIN at once (the server reads to end of stream and still answers),
/// and a refused connect is sock's network error.
/// </summary>
public sealed class SocketClientTests
{
    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task lines_written_come_back_from_an_echo_server(string transport)
    {
        using var dir = new TempDirectory("sock-client-");
        var (endpoint, port, path) = Reserve(transport, dir.Path);
        await using var server = RunningProcess.Tool("socat", false, "-t", "20", Listen(transport, port, path), "EXEC:cat");
        await Net.WaitListeningAsync(transport, port, path);

        await using var c = await SocketClient.ConnectAsync(endpoint);
        var reply = new StringBuilder();
        foreach (var line in new[] { "one", "two", "three" })
        {
            await c.Output.WriteAsync(Encoding.ASCII.GetBytes(line + "\n"));
            reply.Append(await ReadLineAsync(c.Input));
        }
        Assert.Equal("one\ntwo\nthree\n", reply.ToString());
        Assert.Equal("ESTAB", c.Record.State);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task disposing_against_a_peer_that_stopped_reading_gives_up_after_the_close_timeout(string transport)
    {
        using var dir = new TempDirectory("sock-client-");
        var (endpoint, port, path) = Reserve(transport, dir.Path);
        // socat hands what it receives to a program that reads nothing for a minute: once the pipe and the socket
        // buffers are full, nothing more leaves the client, and the peer does not close either.
        await using var server = RunningProcess.Tool("socat", false, "-t", "100", Listen(transport, port, path), "SYSTEM:sleep 60");
        await Net.WaitListeningAsync(transport, port, path);

        // 32 MiB written (the output bound raised so the write itself does not wait): far more than the buffers hold.
        var c = await SocketClient.ConnectAsync(endpoint, new SocketClientOptions { CloseTimeout = TimeSpan.FromSeconds(1), MaxOutputBuffer = 64 << 20 });
        await c.Output.WriteAsync(new byte[32 << 20]);
        // Without the bound, disposing waits for the 32 MiB to go out: the minute of sleep, and then some.
        await c.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(c.Record.BytesOut < 32 << 20, $"{c.Record.BytesOut} bytes went out");
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task completing_the_output_sends_the_fin_and_the_reply_after_it_arrives(string transport)
    {
        using var dir = new TempDirectory("sock-client-");
        var (endpoint, port, path) = Reserve(transport, dir.Path);
        // wc answers only once it has read to end of stream: no FIN, no answer.
        await using var server = RunningProcess.Tool("socat", false, "-t", "20", Listen(transport, port, path), "SYSTEM:wc -c");
        await Net.WaitListeningAsync(transport, port, path);

        await using var c = await SocketClient.ConnectAsync(endpoint);
        var payload = new byte[100_000];
        Random.Shared.NextBytes(payload);
        await c.Output.WriteAsync(payload);
        await c.Output.CompleteAsync();
        var all = await ReadToEndAsync(c.Input, TimeSpan.FromSeconds(20));
        Assert.Equal("100000", Encoding.ASCII.GetString(all).Trim());
    }

    [Fact]
    public async Task a_refused_connect_is_a_network_error()
    {
        var (_, port, _) = Reserve(Transports.Tcp4, Path.GetTempPath());
        var ex = await Assert.ThrowsAsync<SockException>(() => SocketClient.ConnectAsync("127.0.0.1", port));
        Assert.Equal(SockErrorKind.Network, ex.Kind);
        Assert.Contains("refused", ex.Message, StringComparison.Ordinal);
    }

    private static async Task<string> ReadLineAsync(PipeReader input)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var r = await input.ReadAsync(cts.Token);
            var at = r.Buffer.PositionOf((byte)'\n');
            if (at is { } end)
            {
                var line = Encoding.ASCII.GetString(r.Buffer.Slice(0, r.Buffer.GetPosition(1, end)).ToArray());
                input.AdvanceTo(r.Buffer.GetPosition(1, end));
                return line;
            }
            input.AdvanceTo(r.Buffer.Start, r.Buffer.End);
            if (r.IsCompleted) return Encoding.ASCII.GetString(r.Buffer.ToArray());
        }
    }

    private static async Task<byte[]> ReadToEndAsync(PipeReader input, TimeSpan limit)
    {
        using var cts = new CancellationTokenSource(limit);
        while (true)
        {
            var r = await input.ReadAsync(cts.Token);
            if (r.IsCompleted)
            {
                var all = r.Buffer.ToArray();
                input.AdvanceTo(r.Buffer.End);
                return all;
            }
            input.AdvanceTo(r.Buffer.Start, r.Buffer.End);
        }
    }

    private static string Listen(string transport, int port, string? path) => transport switch
    {
        Transports.Unix => $"UNIX-LISTEN:{path}",
        Transports.Tcp6 => $"TCP6-LISTEN:{port},bind=[::1],reuseaddr",
        _ => $"TCP4-LISTEN:{port},bind=127.0.0.1,reuseaddr",
    };

    /// <summary>A port that was free a moment ago (or a socket path in <paramref name="dir"/>), for a peer that cannot bind port 0 and say which it got.</summary>
    private static (EndPoint EndPoint, int Port, string? Path) Reserve(string transport, string dir)
    {
        if (transport == Transports.Unix)
        {
            var path = Path.Combine(dir, "s.sock");
            return (new UnixDomainSocketEndPoint(path), 0, path);
        }
        var ip = transport == Transports.Tcp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        using var s = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(ip, 0));
        var port = ((IPEndPoint)s.LocalEndPoint!).Port;
        return (new IPEndPoint(ip, port), port, null);
    }
}

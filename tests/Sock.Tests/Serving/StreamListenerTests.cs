using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Core.Connections;
using Sock.Core.Serving;
using Sock.Tests.Support;

namespace Sock.Tests.Serving;

/// <summary>
/// The pull-style accept (<see cref="SocketServer.BindStream"/>, <see cref="StreamListener.AcceptAsync"/>) that a host with
/// its own connection loop (Kestrel) takes connections through: each on both engines and the three stream transports.
/// </summary>
public sealed class StreamListenerTests
{
    private static async Task<Socket> ConnectAsync(EndPoint ep)
    {
        var s = new Socket(ep.AddressFamily, SocketType.Stream, ep is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
        await s.ConnectAsync(ep).WaitAsync(TimeSpan.FromSeconds(10));
        return s;
    }

    private static async Task<string> ReadToEndAsync(Socket s)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var all = new MemoryStream();
        var buffer = new byte[4096];
        int n;
        while ((n = await s.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0) all.Write(buffer, 0, n);
        return Encoding.ASCII.GetString(all.ToArray());
    }

    private static async Task<string> ReadLineAsync(Connection c)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var r = await c.Input.ReadAsync(cts.Token);
            var text = Encoding.ASCII.GetString(r.Buffer.ToArray());
            if (text.IndexOf('\n', StringComparison.Ordinal) is var nl and >= 0)
            {
                c.Input.AdvanceTo(r.Buffer.GetPosition(nl + 1));
                return text[..nl];
            }
            c.Input.AdvanceTo(r.Buffer.Start, r.Buffer.End);
            if (r.IsCompleted) return text;
        }
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task a_taken_connection_runs_until_disposed_which_sends_what_was_written_then_closes(string transport)
    {
        await using var server = new SocketServer(Engines.OptionsFor(transport, null));
        server.Start();
        var listener = server.BindStream("pull", Transports.BindEndPoint(Engines.TransportOf(transport)));
        using var client = await ConnectAsync(listener.LocalEndPoint);
        await client.SendAsync("ping\n"u8.ToArray());
        await using var connection = (await listener.AcceptAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20)))!;
        Assert.Equal("ping", await ReadLineAsync(connection));
        Assert.Contains(server.Connections, r => r.Id == connection.Id && r.State == "ESTAB");
        connection.Output.Write("pong\n"u8);
        await connection.Output.FlushAsync();
        await connection.DisposeAsync();
        Assert.Equal("pong\n", await ReadToEndAsync(client));
        Assert.DoesNotContain(server.Connections, r => r.Id == connection.Id);
        Assert.Equal("closed by server", connection.CloseReason);
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task input_ended_fires_at_the_peers_end_of_stream_while_the_connection_can_still_answer(string transport)
    {
        await using var server = new SocketServer(Engines.OptionsFor(transport, null));
        server.Start();
        var listener = server.BindStream("pull", Transports.BindEndPoint(Engines.TransportOf(transport)));
        using var client = await ConnectAsync(listener.LocalEndPoint);
        var connection = (await listener.AcceptAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20)))!;
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = connection.InputEnded.Register(() => ended.TrySetResult());
        Assert.False(connection.InputEnded.IsCancellationRequested);
        client.Shutdown(SocketShutdown.Send);
        await ended.Task.WaitAsync(TimeSpan.FromSeconds(20));
        // The peer only half-closed: the connection is not closed under its taker, who may still answer.
        Assert.False(connection.Closed.IsCancellationRequested);
        connection.Output.Write("answer after your FIN\n"u8);
        await connection.DisposeAsync();
        Assert.Equal("answer after your FIN\n", await ReadToEndAsync(client));
        Assert.True(connection.InputEnded.IsCancellationRequested);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task unbinding_closes_the_untaken_connections_and_accept_returns_null(string transport)
    {
        await using var server = new SocketServer();
        server.Start();
        var listener = server.BindStream("pull", Transports.BindEndPoint(transport));
        var endpoint = listener.LocalEndPoint;
        using var untaken = await ConnectAsync(endpoint);
        // Accepted by the server (its record appears) but never taken.
        for (var i = 0; i < 400 && server.ActiveConnections == 0; i++) await Task.Delay(25);
        Assert.Equal(1, server.ActiveConnections);
        await listener.UnbindAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("", await ReadToEndAsync(untaken));
        Assert.Null(await listener.AcceptAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        await Assert.ThrowsAnyAsync<SocketException>(async () => (await ConnectAsync(endpoint)).Dispose());
        Assert.DoesNotContain(server.Sockets, r => r.State == "LISTEN");
        for (var i = 0; i < 400 && server.ActiveConnections > 0; i++) await Task.Delay(25);
        Assert.Equal(0, server.ActiveConnections);
    }

    [Fact]
    public async Task stopping_the_server_ends_every_pull_listener()
    {
        var server = new SocketServer();
        server.Start();
        var listener = server.BindStream("pull", Transports.BindEndPoint(Transports.Tcp4));
        var waiting = listener.AcceptAsync().AsTask();
        await server.StopAsync(TimeSpan.FromSeconds(5)).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Null(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        await server.DisposeAsync();
    }
}

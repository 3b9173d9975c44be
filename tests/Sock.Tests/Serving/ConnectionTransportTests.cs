using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Sock.Core.Connections;
using Sock.Core.Inetd;
using Sock.Core.Serving;
using Sock.Tests.Support;

namespace Sock.Tests.Serving;

/// <summary>
/// A layer replaces the pipes a handler sees (<see cref="Connection.Transport"/>, Kestrel's shape): the handler
/// reads and writes the layer's pair, and the layer alone talks to the socket's.
/// </summary>
public class ConnectionTransportTests
{
    /// <summary>
    /// A layer that changes bytes each way, so a client sees whether both directions went through it: what comes in is
    /// upper-cased, and every 'L' that goes out becomes '1'.
    /// </summary>
    private static ConnectionHandler Transforming(ConnectionHandler next) => async connection =>
    {
        var socketSide = connection.Transport;
        var input = new Pipe();
        var output = new Pipe();
        var inbound = PumpAsync(socketSide.Input, input.Writer, b => (byte)char.ToUpperInvariant((char)b));
        var outbound = PumpAsync(output.Reader, socketSide.Output, b => b == (byte)'L' ? (byte)'1' : b);
        connection.Transport = new DuplexPipe(input.Reader, output.Writer);
        try
        {
            await next(connection);
        }
        finally
        {
            await output.Writer.CompleteAsync();
            await outbound;
            await input.Reader.CompleteAsync();
            // The inbound pump may be waiting on a peer that sends nothing more: wake it, it is done.
            socketSide.Input.CancelPendingRead();
            connection.Transport = socketSide;
        }
        await inbound;
    };

    private static async Task PumpAsync(PipeReader from, PipeWriter to, Func<byte, byte> map)
    {
        try
        {
            while (true)
            {
                var result = await from.ReadAsync();
                if (result.IsCanceled) break;
                foreach (var segment in result.Buffer)
                {
                    var span = to.GetSpan(segment.Length)[..segment.Length];
                    for (var i = 0; i < span.Length; i++) span[i] = map(segment.Span[i]);
                    to.Advance(span.Length);
                }
                from.AdvanceTo(result.Buffer.End);
                var flush = await to.FlushAsync();
                if (result.IsCompleted || flush.IsCompleted) break;
            }
        }
        catch (InvalidOperationException)
        {
            // The other side completed the pipe under the pump (the handler returned): nothing more to carry.
        }
        await to.CompleteAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task a_layer_that_replaces_the_transport_carries_both_directions_of_the_echo(string transport)
    {
        // EchoService sends with SendAsync, which on the epoll engine writes straight to the socket when it can: with a
        // layer in place it must go through the layer's Output instead.
        await using var host = ServingHost.Stream(transport, Transforming(EchoService.ServeAsync));
        using var client = await host.ConnectAsync();
        for (var round = 0; round < 3; round++)
        {
            await client.SendAllAsync(Encoding.ASCII.GetBytes("hello, all\n"));
            Assert.Equal("HE11O, A11\n", Encoding.ASCII.GetString(await client.ReadExactlyAsync(11)));
        }
        client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        Assert.Empty(await client.ReadToEndAsync());
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task a_handler_writing_through_a_layer_has_all_it_wrote_sent_before_the_close(string transport)
    {
        var payload = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("ALL IS WELL\n", 50_000)));
        await using var host = ServingHost.Stream(transport, Transforming(async c =>
        {
            await c.Output.WriteAsync(payload);
        }));
        using var client = await host.ConnectAsync();
        var got = await client.ReadToEndAsync(limit: payload.Length + 1);
        Assert.Equal(payload.Length, got.Length);
        Assert.Equal(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("A11 IS WE11\n", 50_000))), got);
    }
}

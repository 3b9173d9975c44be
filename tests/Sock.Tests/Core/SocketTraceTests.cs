using Sock.Core.Tracing;
using Sock.Tests.Support;

namespace Sock.Tests.Core;

public class SocketTraceTests
{
    [Fact]
    public void long_transfers_are_summarised_not_flooded()
    {
        var sink = new CollectingTraceSink();
        var trace = new SocketTrace(sink);
        for (var i = 0; i < 10_000; i++)
            trace.Transfer(7, "recv", 1000, () => "recv(7) = 1000 bytes");
        trace.FlushTransfers(7);
        var calls = sink.Calls;
        Assert.Equal(SocketTrace.DetailedTransfersPerSocket, calls.Count(c => c == "recv(7) = 1000 bytes"));
        var summed = calls.Where(c => c.Contains(" calls = ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(summed);
        var total = summed.Sum(c => long.Parse(c.Split(" calls = ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal((10_000 - SocketTrace.DetailedTransfersPerSocket) * 1000L, total);
        Assert.True(calls.Count < 50, $"{calls.Count} lines for 10,000 calls");
    }

    [Fact]
    public void sockets_are_summed_apart()
    {
        var sink = new CollectingTraceSink();
        var trace = new SocketTrace(sink);
        for (var i = 0; i < 6; i++)
        {
            trace.Transfer(5, "send", 10, () => "send(5)");
            trace.Transfer(6, "send", 10, () => "send(6)");
        }
        trace.FlushTransfers(5);
        Assert.Contains(sink.Calls, c => c.StartsWith("send(5) x 2 calls = 20 bytes", StringComparison.Ordinal));
        Assert.DoesNotContain(sink.Calls, c => c.StartsWith("send(6) x", StringComparison.Ordinal));
    }
}

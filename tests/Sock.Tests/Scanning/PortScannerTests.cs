using System.Net;
using System.Net.Sockets;
using Sock.Core.Scanning;

namespace Sock.Tests.Scanning;

/// <summary>The library's scanner called directly, on both connect engines, against listeners on a loopback address of the test's own.</summary>
public class PortScannerTests
{
    public static TheoryData<string> Engines => ["epoll", "portable"];

    private static ScanOptions Options(string engine, IProgress<ScanProgress>? progress = null) => new()
    {
        Engine = engine == "epoll" ? ScanEngine.Epoll : ScanEngine.Portable,
        Progress = progress,
    };

    private static IPAddress FreshLoopback() =>
        new([127, (byte)Random.Shared.Next(100, 200), (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(2, 250)]);

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task check_tcp_answers_one_port_open_or_closed(string engine)
    {
        var address = FreshLoopback();
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(address, 0));
        listener.Listen(4);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var target = new ScanTarget(address.ToString(), address, null);
        var open = await PortScanner.CheckTcpAsync(target, port, Options(engine));
        Assert.Equal(PortState.Open, open.State);
        Assert.Equal("syn-ack", open.Reason);
        Assert.NotNull(open.Rtt);
        listener.Dispose();
        // Held bound but not listening: a connection is refused (RST), and no other test's wildcard listener can take
        // the port in between (once, one did: the "closed" port answered as open).
        using var held = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        held.Bind(new IPEndPoint(address, port));
        var closed = await PortScanner.CheckTcpAsync(target, port, Options(engine));
        Assert.Equal(PortState.Closed, closed.State);
        Assert.Equal("conn-refused", closed.Reason);
        Assert.Equal(1, closed.Tries);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task a_scan_reports_every_port_of_every_target_and_its_progress(string engine)
    {
        var a = FreshLoopback();
        var b = FreshLoopback();
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(b, 0));
        listener.Listen(4);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var ports = Enumerable.Range(port - 50, 100).Where(p => p is > 0 and <= 65535).ToList();
        var reports = new List<ScanProgress>();
        var progress = new SynchronousProgress(reports);
        var report = await PortScanner.ScanTcpAsync([new(a.ToString(), a, null), new(b.ToString(), b, null)], ports, Options(engine, progress));
        // Closed ports are counted per target, not listed: only the open one is a record.
        Assert.Equal(2 * ports.Count, report.Verdicts);
        Assert.True(report.Probes >= ports.Count * 2, $"{report.Probes} probes");
        var open = Assert.Single(report.Results);
        Assert.Equal(PortState.Open, open.State);
        Assert.Equal((b, port), (open.Target.Address, open.Port));
        Assert.Equal(2 * ports.Count - 1, report.Count(PortState.Closed));
        Assert.Equal(ports.Count, report.UnlistedClosedOf(report.Targets[0]));
        Assert.Equal(ports.Count - 1, report.UnlistedClosedOf(report.Targets[1]));
        Assert.Empty(report.Unreachable);
        Assert.True(report.ParallelCeiling >= 1);
        Assert.NotEmpty(reports);
        Assert.Equal(reports[^1].Total, reports[^1].Done);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task list_closed_lists_every_port_one_by_one(string engine)
    {
        var a = FreshLoopback();
        var ports = Enumerable.Range(40000, 20).ToList();
        var report = await PortScanner.ScanTcpAsync([new(a.ToString(), a, null)], ports,
            new ScanOptions { Engine = Options(engine).Engine, ListClosed = true });
        Assert.Equal(ports, report.Results.Select(r => r.Port));
        Assert.All(report.Results, r => Assert.Equal(("conn-refused", PortState.Closed), (r.Reason, r.State)));
        Assert.Empty(report.UnlistedClosed);
    }

    private sealed class SynchronousProgress(List<ScanProgress> into) : IProgress<ScanProgress>
    {
        public void Report(ScanProgress value)
        {
            lock (into) into.Add(value);
        }
    }
}

using System.Net;
using System.Text.Json;
using Sock.Core.Benchmarking;
using Sock.Core.Inetd;
using Sock.Tests.Serving;
using Sock.Tests.Support;

namespace Sock.Tests.Benchmarking;

/// <summary>sock bench against sock serve's echo and discard: in-process on the engine, and as two separate processes.</summary>
public class BenchAgainstServeTests
{
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(10);

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task echo_and_pipeline_against_the_engine_check_every_message(string transport)
    {
        await using var host = ServingHost.Stream(transport, SmallServices.Create("echo").Stream);
        var echo = await BenchRunner.RunAsync(new BenchOptions { Mode = BenchMode.Echo, Target = host.EndPoint, Count = 500, Duration = Cap, Connections = 2 });
        Assert.Equal(500, echo.Totals.Messages);
        Assert.Equal(0, echo.Totals.Mismatches);
        Assert.Equal(0, echo.Totals.Errors);
        Assert.Equal(echo.Totals.BytesSent, echo.Totals.BytesReceived);
        var pipeline = await BenchRunner.RunAsync(new BenchOptions { Mode = BenchMode.Pipeline, Target = host.EndPoint, Count = 20_000, Duration = Cap, InFlight = 100 });
        Assert.Equal(20_000, pipeline.Totals.Messages);
        Assert.Equal(0, pipeline.Totals.Mismatches);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task throughput_into_the_engines_discard_counts_every_byte(string transport)
    {
        await using var host = ServingHost.Stream(transport, SmallServices.Create("discard").Stream);
        var report = await BenchRunner.RunAsync(new BenchOptions { Mode = BenchMode.Throughput, Target = host.EndPoint, Count = 16 << 20, Duration = Cap, Size = 64 * 1024 });
        Assert.Equal(16 << 20, report.Totals.BytesSent);
        Assert.Equal(0, report.Totals.Errors);
        // The engine's own socket record counted what arrived; the closed connection's totals land once it is gone.
        var deadline = Environment.TickCount64 + 5_000;
        while (host.Server.TotalBytesIn < 16 << 20 && Environment.TickCount64 < deadline) await Task.Delay(20);
        // Before the payload, sock bench sends one control line asking whether the far side is a bench server;
        // a plain discard swallows it with the rest, so the sink saw the payload plus that line.
        var extra = host.Server.TotalBytesIn - (16L << 20);
        Assert.InRange(extra, 1, 512);
    }

    [Fact]
    public async Task sock_bench_measures_sock_serve_as_separate_processes()
    {
        await using var serve = await ServeProcess.StartAsync("serve echo discard --tcp --port 0 --bind 127.0.0.1", expectListeners: 2);
        var echoPort = serve.Port("echo", "tcp");
        var discardPort = serve.Port("discard", "tcp");

        var echo = await SockRunner.RunAsync(["bench", "echo", "127.0.0.1", echoPort.ToString(), "-n", "300", "-c", "2", "--json"]);
        Assert.True(echo.ExitCode == 0, echo.ToString());
        using (var doc = JsonDocument.Parse(echo.Stdout))
        {
            var totals = doc.RootElement.GetProperty("totals");
            Assert.Equal(300, totals.GetProperty("messages").GetInt64());
            Assert.Equal(0, totals.GetProperty("mismatches").GetInt64());
        }

        var bulk = await SockRunner.RunAsync(["bench", "throughput", "127.0.0.1", discardPort.ToString(), "-n", (8 << 20).ToString(), "--json"]);
        Assert.True(bulk.ExitCode == 0, bulk.ToString());
        using (var doc = JsonDocument.Parse(bulk.Stdout))
            Assert.Equal(8 << 20, doc.RootElement.GetProperty("totals").GetProperty("bytesSent").GetInt64());
    }
}

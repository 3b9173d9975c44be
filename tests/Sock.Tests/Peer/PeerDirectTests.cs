using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Sock.Tests.Stun;

namespace Sock.Tests.Peer;

public class PeerDirectTests
{
    public static TheoryData<string, string> TransportsAndOrders()
    {
        var data = new TheoryData<string, string>();
        foreach (var t in new[] { "tcp4", "tcp6", "udp4", "udp6" })
            foreach (var order in new[] { "a-first", "b-first", "together" })
                data.Add(t, order);
        return data;
    }

    [Theory]
    [MemberData(nameof(TransportsAndOrders))]
    public async Task two_peers_exchange_files_whichever_starts_first(string transport, string order)
    {
        var v6 = transport.EndsWith('6');
        var loopback = v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        var host = v6 ? "[::1]" : "127.0.0.1";
        var portA = Coturn.FreePort(loopback);
        var portB = Coturn.FreePort(loopback);
        while (portB == portA || portB == portA + 1) portB = Coturn.FreePort(loopback);
        var fromA = RandomNumberGenerator.GetBytes(300_000);
        var fromB = RandomNumberGenerator.GetBytes(200_000);
        string[] Args(int mine, int theirs)
        {
            var args = new List<string> { "peer", "-v", "--bind", $"{host}:{mine}", "--peer", $"{host}:{theirs}", "-w", "30s" };
            if (transport.StartsWith("udp", StringComparison.Ordinal)) args.Add("--udp");
            return [.. args];
        }
        // The second side starts once the first has been trying for a while (its connects refused, its checks unanswered).
        var lag = TimeSpan.FromSeconds(1.5);
        PeerProcess a, b;
        if (order == "b-first")
        {
            b = PeerProcess.Start(Args(portB, portA), fromB);
            await Task.Delay(lag);
            a = PeerProcess.Start(Args(portA, portB), fromA);
        }
        else
        {
            a = PeerProcess.Start(Args(portA, portB), fromA);
            if (order == "a-first") await Task.Delay(lag);
            b = PeerProcess.Start(Args(portB, portA), fromB);
        }
        await using (a)
        await using (b)
        {
            var ra = await a.WaitAsync(TimeSpan.FromSeconds(60));
            var rb = await b.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(ra.ExitCode == 0, $"A exit {ra.ExitCode}: {ra.Stderr}");
            Assert.True(rb.ExitCode == 0, $"B exit {rb.ExitCode}: {rb.Stderr}");
            Assert.True(fromB.AsSpan().SequenceEqual(ra.Stdout), $"A got {ra.Stdout.Length} bytes of {fromB.Length}; {ra.Stderr}");
            Assert.True(fromA.AsSpan().SequenceEqual(rb.Stdout), $"B got {rb.Stdout.Length} bytes of {fromA.Length}; {rb.Stderr}");
            var proto = transport[..3].ToUpperInvariant();
            Assert.Contains($"over {proto}", ra.Stderr);
            Assert.Contains($"{fromA.Length} bytes sent, {fromB.Length} bytes received", ra.Stderr);
            Assert.Contains($"{fromB.Length} bytes sent, {fromA.Length} bytes received", rb.Stderr);
        }
    }

    [Theory]
    [InlineData("tcp4")]
    [InlineData("tcp6")]
    [InlineData("udp4")]
    [InlineData("udp6")]
    public async Task o_and_x_record_the_streams_bytes_once_in_order_as_sock_connect_does(string transport)
    {
        var v6 = transport.EndsWith('6');
        var loopback = v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        var host = v6 ? "[::1]" : "127.0.0.1";
        var portA = Coturn.FreePort(loopback);
        var portB = Coturn.FreePort(loopback);
        while (portB == portA || portB == portA + 1) portB = Coturn.FreePort(loopback);
        var dir = Directory.CreateTempSubdirectory($"sock-peer-rec-{Environment.ProcessId}-");
        try
        {
            string F(string name) => Path.Combine(dir.FullName, name);
            // B sends, A only receives: A's recording is what arrived, B's what left — each the same bytes, each once.
            var fromB = RandomNumberGenerator.GetBytes(200_000);
            string[] Args(int mine, int theirs, params string[] record)
            {
                List<string> args = ["peer", "--bind", $"{host}:{mine}", "--peer", $"{host}:{theirs}", "-w", "30s", .. record];
                if (transport.StartsWith("udp", StringComparison.Ordinal)) args.Add("--udp");
                return [.. args];
            }
            await using var a = PeerProcess.Start(Args(portA, portB, "-o", F("a.raw"), "-x", F("a.hex")), []);
            await using var b = PeerProcess.Start(Args(portB, portA, "-o", F("b.raw"), "-x", F("b.hex")), fromB);
            var ra = await a.WaitAsync(TimeSpan.FromSeconds(60));
            var rb = await b.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(ra.ExitCode == 0, $"A exit {ra.ExitCode}: {ra.Stderr}");
            Assert.True(rb.ExitCode == 0, $"B exit {rb.ExitCode}: {rb.Stderr}");
            Assert.True(fromB.AsSpan().SequenceEqual(ra.Stdout), $"A got {ra.Stdout.Length} bytes of {fromB.Length}");
            Assert.True(fromB.AsSpan().SequenceEqual(File.ReadAllBytes(F("a.raw"))), "A's -o file is not what it received");
            Assert.True(fromB.AsSpan().SequenceEqual(File.ReadAllBytes(F("b.raw"))), "B's -o file is not what it sent");
            Assert.True(fromB.AsSpan().SequenceEqual(FromHexDump(F("a.hex"), '<')), "A's -x dump is not what it received");
            Assert.True(fromB.AsSpan().SequenceEqual(FromHexDump(F("b.hex"), '>')), "B's -x dump is not what it sent");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>The bytes of a -x dump ("&lt; 00000010  48 65 … |He…|"), every line of it marked <paramref name="mark"/>.</summary>
    private static byte[] FromHexDump(string path, char mark)
    {
        var bytes = new List<byte>();
        foreach (var line in File.ReadLines(path))
        {
            Assert.Equal(mark, line[0]);
            var hex = line[12..line.IndexOf(" |", StringComparison.Ordinal)];
            bytes.AddRange(hex.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(h => byte.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
        }
        return [.. bytes];
    }

    [Fact]
    public async Task a_peer_that_never_comes_is_a_one_line_timeout()
    {
        var port = Coturn.FreePort(IPAddress.Loopback);
        var other = Coturn.FreePort(IPAddress.Loopback);
        foreach (var udp in new[] { false, true })
        {
            string[] args = ["peer", "--bind", $"127.0.0.1:{port}", "--peer", $"127.0.0.1:{other}", "-w", "1s", .. udp ? new[] { "--udp" } : []];
            await using var p = PeerProcess.Start(args, []);
            var r = await p.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(1, r.ExitCode);
            Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"sock: peer 127.0.0.1:{other} failed:", r.Stderr);
        }
    }

    [Theory]
    [InlineData("peer --peer 127.0.0.1:1", "--bind")]
    [InlineData("peer --bind 7000", "--peer")]
    [InlineData("peer --bind 0 --peer 127.0.0.1:1", "reserved")]
    [InlineData("peer --bind 7000 --peer 127.0.0.1", "a port is needed")]
    [InlineData("peer --bind 127.0.0.1:7000 --peer [::1]:7000", "different families")]
    [InlineData("peer -6 --bind 127.0.0.1:7000 --peer [::1]:7000", "is IPv4 but -6 asks for IPv6")]
    [InlineData("peer --bind 7000 --peer 127.0.0.1:1 --udp --tcp", "choose one")]
    [InlineData("peer --bind 7000 --peer 127.0.0.1:1 --append-output", "applies with -o or -x only")]
    [InlineData("peer --bind 7000 --peer 127.0.0.1:1 -o /nonexistent-dir/rec", "rec")]
    public async Task bad_input_is_one_usage_line(string args, string reason)
    {
        var run = await Sock.Tests.Support.SockRunner.RunAsync(args);
        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.StderrLines);
        Assert.Contains(reason, run.Stderr);
    }
}

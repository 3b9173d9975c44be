using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Sock.Tests.Support;

namespace Sock.Tests.Snmp;

/// <summary>
/// How sock snmp writes a long walk to stdout, seen from outside with strace: in large blocks, not one write(2) per
/// line (which made a walk of a busy TCP table spend more of its time writing than asking).
/// </summary>
public sealed partial class SnmpOutputTests
{
    // .NET writes stdout through a duplicate of descriptor 1, so a write of the walk is known by what it writes.
    [GeneratedRegex(@"write\(\d+, ""\.1\.3\.6\.1\.2\.1\.6\.19\.")]
    private static partial Regex StdoutWrite();

    [Fact]
    public async Task a_bulkwalk_of_hundreds_of_rows_is_written_in_a_few_blocks()
    {
        if (!SnmpdProcess.Installed || !OperatingSystem.IsLinux()) return;
        // 60 established pairs of the test's own: 120 rows in tcpConnectionTable, two columns each.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(64);
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < 60; i++)
            {
                var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(c);
                await c.ConnectAsync(listener.LocalEndPoint!);
                sockets.Add(await listener.AcceptAsync());
            }
            var port = ((IPEndPoint)listener.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture);
            await using var snmpd = await SnmpdProcess.StartAsync();
            using var dir = new TempDirectory("sock-snmp-strace-");
            var log = dir.File("strace.log");
            var sock = SockRunner.Command(["snmp", "bulkwalk", "-c", snmpd.Community, "-On", "--no-mibs", "-Cr", "50", snmpd.Target(Transports.Udp4), "1.3.6.1.2.1.6.19"]);
            var run = await ProcessRunner.RunAsync(["strace", "-f", "-qq", "-e", "trace=write", "-o", log, .. sock], timeout: TimeSpan.FromSeconds(120));
            Assert.True(run.ExitCode == 0, run.ToString());

            var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            // Every one of the test's connections is there, from both ends, in both columns: the output is whole.
            Assert.True(lines.Count(l => l.Split(" = ")[0].Split('.').Contains(port)) >= 240, run.Stdout);
            Assert.All(lines, l => Assert.Matches(@"^\.1\.3\.6\.1\.2\.1\.6\.19\.1\.\d+\.[0-9.]+ = \S", l));
            var writes = File.ReadAllLines(log).Count(l => StdoutWrite().IsMatch(l));
            // A 64 KiB buffer flushed at the end: one write per 64 KiB of text, and one more for the rest.
            var bound = run.Stdout.Length / 60000 + 2;
            Assert.True(writes >= 1 && writes <= bound, $"{writes} writes to stdout for {lines.Length} lines ({run.Stdout.Length} chars), expected at most {bound}");
        }
        finally
        {
            foreach (var s in sockets) s.Dispose();
        }
    }
}

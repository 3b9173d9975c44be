using System.Text.RegularExpressions;
using Sock.Tests.Support;

namespace Sock.Tests.Inspection;

/// <summary>
/// sock stat against the real ss on the same machine: with the same options both must report the same
/// (netid, state, local, peer) rows for the sockets <see cref="KnownSockets"/> holds open, and the same owning pid.
/// </summary>
public partial class StatVersusSsTests(KnownSockets sockets) : IClassFixture<KnownSockets>
{
    private sealed record Row(string Netid, string State, string Local, string Peer, string Process);

    /// <summary>ss sees the known sockets: all of them, or all but the TIME-WAIT once the kernel may have let it go.</summary>
    private void AssertKnownCount(int known, List<Row> ss)
    {
        if (ss.Count == known - 1 && sockets.TimeWaitMayBeGone && !ss.Any(r => r.State == "TIME-WAIT")) return;
        Assert.Equal(known, ss.Count);
    }

    [Theory]
    [InlineData("-tan", 7)]
    [InlineData("-uan", 4)]
    [InlineData("-tuan", 11)]
    [InlineData("-xa", 5)]
    [InlineData("-tn", 4)]
    [InlineData("-tln", 2)]
    [InlineData("-4tuan", 6)]
    [InlineData("-6tuan", 5)]
    public async Task sock_stat_reports_the_rows_ss_reports(string options, int known)
    {
        Assert.True(ExternalTool.Exists("ss"), "ss (iproute2) is needed for this test");
        var (sock, ss) = await Both(options);
        AssertKnownCount(known, ss);
        Assert.Equal(ss, sock);
    }

    [Theory]
    [InlineData("-tan state time-wait", 1)]
    [InlineData("-tan state established", 4)]
    [InlineData("-tuan exclude listening", 9)]
    [InlineData("-tuan dst [::1]", 3)]
    [InlineData("-uan src 127.0.0.1", 2)]
    public async Task filters_keep_the_rows_ss_keeps(string command, int known)
    {
        var (sock, ss) = await Both(command);
        AssertKnownCount(known, ss);
        Assert.Equal(ss, sock);
    }

    [Fact]
    public async Task owners_are_the_processes_ss_names()
    {
        var (sock, ss) = await Both("-tuanp");
        var me = $"pid={Environment.ProcessId},";
        Assert.Contains(ss, r => r.Process.Contains(me, StringComparison.Ordinal));
        Assert.Equal(ss.Select(r => (r.Local, r.Peer, Pids(r.Process))), sock.Select(r => (r.Local, r.Peer, Pids(r.Process))));
    }

    [Fact]
    public async Task unix_owners_are_the_processes_ss_names()
    {
        var (sock, ss) = await Both("-xap");
        Assert.Equal(5, ss.Count); // stream listener, accepted, client; datagram; seqpacket listener
        Assert.Equal(ss.Select(r => Pids(r.Process)), sock.Select(r => Pids(r.Process)));
    }

    [Theory]
    [InlineData("-tanm", 7)]
    [InlineData("-uanm", 4)]
    [InlineData("-xam", 5)]
    [InlineData("-tuanmp", 11)]
    [InlineData("-tlnmi", 2)] // a listener's tcp_info is all zeros but the congestion window: ss prints just "bbr cwnd:10"
    public async Task memory_is_what_ss_m_reports(string options, int known)
    {
        var (sock, ss) = await Both(options);
        Assert.Equal(known, ss.Count);
        // Every row that ss gives memory for (all but TIME-WAIT minisockets) has it, in ss's spelling, with the same
        // buffer sizes, options memory, backlog and drops. What is in flight (t, f, w) may move between the two reads.
        Assert.Contains(ss, r => r.Process.Contains("skmem:(", StringComparison.Ordinal));
        Assert.Equal(ss.Select(r => Steady(r.Process)), sock.Select(r => Steady(r.Process)));
        foreach (var r in sock.Where(r => r.Process.Contains("skmem:(", StringComparison.Ordinal)))
            Assert.Matches(@"skmem:\(r\d+,rb\d+,t\d+,tb\d+,f\d+,w\d+,o\d+,bl\d+,d\d+\)", r.Process);
        static string Steady(string process) => PidPattern().Replace(InFlight().Replace(process, "$1#"), "pid=#");
    }

    [GeneratedRegex(@"([,(][tfw])\d+(?=[,)])")]
    private static partial Regex InFlight();

    [Theory]
    [InlineData("-wanp")]
    [InlineData("-wap")]
    public async Task raw_sockets_are_the_ones_ss_reports(string options)
    {
        Assert.True(sockets.HasRaw, "raw sockets need root");
        var ss = (await ExternalTool.RunAsync("ss", options)).Stdout;
        var sock = await SockRunner.RunAsync(["stat", options]);
        var me = $"pid={Environment.ProcessId},";
        List<Row> Mine(string text) => Parse(text).Where(r => r.Process.Contains(me, StringComparison.Ordinal))
            .OrderBy(r => r.Local, StringComparer.Ordinal).ToList();
        Assert.Equal(2, Mine(ss).Count);
        Assert.Equal(Mine(ss), Mine(sock.Stdout));
    }

    private static string Pids(string process) => string.Join(',', PidPattern().Matches(process).Select(m => m.Value).Order());

    private async Task<(List<Row> Sock, List<Row> Ss)> Both(string command)
    {
        var args = command.Split(' ');
        // ss and sock are snapshots a moment apart; the known sockets do not change in between.
        var ssRun = await ExternalTool.RunAsync("ss", args);
        Assert.Equal(0, ssRun.ExitCode);
        var sockRun = await SockRunner.RunAsync(["stat", .. args]);
        Assert.True(sockRun.ExitCode == 0, sockRun.ToString());
        return (Ours(Parse(sockRun.Stdout)), Ours(Parse(ssRun.Stdout)));
    }

    // Only the known sockets: other engineers' tests open sockets on this machine at the same time.
    private List<Row> Ours(List<Row> rows)
    {
        static bool IsUnix(Row r) => r.Netid.StartsWith("u_", StringComparison.Ordinal);
        var unixInodes = rows.Where(r => IsUnix(r) && r.Local.StartsWith(sockets.Directory, StringComparison.Ordinal))
            .Select(r => r.Local.Split(' ')[1]).ToHashSet();
        bool Mine(Row r) => IsUnix(r)
            ? r.Local.StartsWith(sockets.Directory, StringComparison.Ordinal) || unixInodes.Contains(r.Peer.Split(' ')[1])
            : sockets.Connected.Contains((r.Local, r.Peer)) || (sockets.Bound.Contains(r.Local) && r.Peer.EndsWith(":*", StringComparison.Ordinal));
        return rows.Where(Mine)
            .OrderBy(r => r.Netid, StringComparer.Ordinal).ThenBy(r => r.State, StringComparer.Ordinal)
            .ThenBy(r => r.Local, StringComparer.Ordinal).ThenBy(r => r.Peer, StringComparer.Ordinal).ToList();
    }

    /// <summary>Reads ss's layout (which sock's plain output keeps): the header says whether Netid and State are there.</summary>
    private static List<Row> Parse(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0];
        var hasNetid = header.StartsWith("Netid", StringComparison.Ordinal);
        var hasState = header.Contains("State", StringComparison.Ordinal);
        var rows = new List<Row>();
        foreach (var line in lines.Skip(1))
        {
            if (line.StartsWith('\t'))
            {
                // -i's and -m's second line belongs to the row above it.
                if (rows.Count > 0) rows[^1] = rows[^1] with { Process = (rows[^1].Process + " " + line.Trim()).Trim() };
                continue;
            }
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var i = 0;
            var netid = hasNetid ? f[i++] : "tcp/udp";
            var state = hasState ? f[i++] : "-";
            i += 2; // Recv-Q, Send-Q
            string local, peer;
            if (netid.StartsWith("u_", StringComparison.Ordinal))
            {
                local = f[i] + " " + f[i + 1];
                peer = f[i + 2] + " " + f[i + 3];
                i += 4;
            }
            else
            {
                local = f[i];
                peer = f[i + 1];
                i += 2;
            }
            rows.Add(new Row(netid, state, local, peer, string.Join(' ', f.Skip(i))));
        }
        return rows;
    }

    [GeneratedRegex(@"pid=\d+")]
    private static partial Regex PidPattern();
}

using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Sock.Tests.Support;

namespace Sock.Tests.Inspection;

/// <summary>sock stat as a user runs it: help, JSON, errors, --who, -s, -e/-o/-i details, --watch on a pipe.</summary>
public class StatCommandTests
{
    private static Socket Listener(IPAddress address, int backlog = 8)
    {
        var l = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        l.Bind(new IPEndPoint(address, 0));
        l.Listen(backlog);
        return l;
    }

    private static int PortOf(Socket s) => ((IPEndPoint)s.LocalEndPoint!).Port;

    [Fact]
    public async Task help_has_examples()
    {
        var run = await SockRunner.RunAsync("stat --help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Examples:", run.Stdout);
        Assert.Contains("--watch", run.Stdout);
    }

    [Fact]
    public async Task json_has_one_object_per_socket_with_every_field()
    {
        using var l = Listener(IPAddress.Loopback, 9);
        var port = PortOf(l);
        var run = await SockRunner.RunAsync(["stat", "-tlnpe", "--json", "sport", "=", $":{port}"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        using var doc = JsonDocument.Parse(run.Stdout);
        var row = Assert.Single(doc.RootElement.EnumerateArray());
        Assert.Equal("tcp", row.GetProperty("netid").GetString());
        Assert.Equal("LISTEN", row.GetProperty("state").GetString());
        Assert.Equal("127.0.0.1", row.GetProperty("localAddress").GetString());
        Assert.Equal(port, row.GetProperty("localPort").GetInt32());
        Assert.Equal(9, row.GetProperty("sendQ").GetInt64());
        Assert.True(row.GetProperty("inode").GetInt64() > 0);
        var owner = Assert.Single(row.GetProperty("processes").EnumerateArray());
        Assert.Equal(Environment.ProcessId, owner.GetProperty("pid").GetInt32());
        Assert.Equal((int)l.Handle, owner.GetProperty("fd").GetInt32());
    }

    [Fact]
    public async Task a_bad_filter_is_one_line_naming_the_word_and_exit_2()
    {
        var run = await SockRunner.RunAsync(["stat", "-tan", "sport", "=", ":80", "andd", "dport", "=", ":1"]);
        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith("sock: filter at word 4 'andd': unknown word", line);
        Assert.Empty(run.Stdout);
    }

    [Fact]
    public async Task forty_thousand_nested_parentheses_are_a_usage_error_not_a_stack_overflow()
    {
        // The issue's repro: this crashed the process with "Stack overflow" (exit 134).
        var filter = new string('(', 40_000) + " sport = :22 " + new string(')', 40_000);
        var run = await SockRunner.RunAsync(["stat", "-tan", filter]);
        Assert.True(run.ExitCode == 2, run.ToString());
        var line = Assert.Single(run.StderrLines);
        Assert.Equal("sock: filter at word 257 '(': nested more than 256 deep (parentheses and not)", line);
        Assert.Empty(run.Stdout);
    }

    [Fact]
    public async Task who_names_the_process_holding_a_port()
    {
        using var l = Listener(IPAddress.Loopback);
        var port = PortOf(l);
        var run = await SockRunner.RunAsync($"stat --who {port}");
        Assert.True(run.ExitCode == 0, run.ToString());
        var comm = File.ReadAllText($"/proc/{Environment.ProcessId}/comm").Trim();
        Assert.Equal($"{port}/tcp LISTEN on 127.0.0.1 held by {comm} (pid {Environment.ProcessId}, fd {(int)l.Handle}), user root\n", run.Stdout);
    }

    [Fact]
    public async Task who_says_when_nothing_holds_the_port()
    {
        int port;
        using (var l = Listener(IPAddress.Loopback)) port = PortOf(l);
        var run = await SockRunner.RunAsync($"stat --who {port}/udp");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"nothing holds port {port}/udp\n", run.Stdout);
    }

    [Fact]
    public async Task summary_has_ss_s_shape_and_counts_a_new_listener()
    {
        var run = await SockRunner.RunAsync("stat -s");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"^Total: \d+\nTCP:   \d+ \(estab \d+, closed -?\d+, orphaned \d+, timewait \d+\)\n\nTransport Total     IP        IPv6\n", run.Stdout);
        var ss = await ExternalTool.RunAsync("ss", "-s");
        // The transport rows name the same protocols in the same order as ss -s.
        Assert.Equal(Names(ss.Stdout), Names(run.Stdout));
        static string Names(string text) => string.Join(' ', text.Split('\n').Skip(4).Select(l => l.Split('\t')[0]).Where(n => n.Length > 0));
    }

    [Fact]
    public async Task extended_timer_and_info_details_follow_ss()
    {
        using var l = Listener(IPAddress.Loopback);
        using var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        c.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        c.Connect(l.LocalEndPoint!);
        using var a = l.Accept();
        c.Send("hello"u8);
        var port = PortOf(c);
        var run = await SockRunner.RunAsync(["stat", "-tnoei", "sport", "=", $":{port}"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length); // header, the row, its -i line
        Assert.Matches(@"timer:\(keepalive,\d+min(\d+sec)?,0\) ino:\d+ sk:[0-9a-f]+ cgroup:/\S*$", lines[1]);
        Assert.Matches(@"^\t ts sack \w+ wscale:\d+,\d+ rto:[\d.]+ rtt:[\d.]+/[\d.]+ .*mss:\d+ .*cwnd:\d+ .*bytes_acked:6 ", lines[2]);
    }

    [Fact]
    public async Task no_header_leaves_only_rows()
    {
        using var l = Listener(IPAddress.IPv6Loopback);
        var run = await SockRunner.RunAsync(["stat", "-tlnH", "sport", "=", $":{PortOf(l)}"]);
        Assert.Matches(@"^LISTEN\s+0\s+8\s+\[::1\]:\d+\s+\[::\]:\*\n$", run.Stdout);
    }

    [Fact]
    public async Task watch_on_a_pipe_marks_new_and_closed_sockets()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = PortOf(probe);
        using var p = SockRunner.Start(["stat", "-tln", "--watch", "0.3", "--count", "40", "sport", "=", $":{port}"]);
        var frames = new List<string>();
        var frame = new List<string>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var listening = false;
        while (await p.StandardOutput.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.Length > 0) { frame.Add(line); continue; }
            frames.Add(string.Join('\n', frame));
            frame.Clear();
            if (frames.Count == 1) { probe.Listen(); listening = true; }
            else if (listening && frames[^1].Contains("+ ", StringComparison.Ordinal)) { probe.Close(); listening = false; }
            else if (frames[^1].Contains("- ", StringComparison.Ordinal)) break;
        }
        p.Kill();
        Assert.Contains("0 sockets (); 0 new, 0 closed", frames[0]);
        var added = Assert.Single(frames, f => f.Contains("1 new", StringComparison.Ordinal));
        Assert.Matches($@"(?m)^\+ LISTEN\s+0\s+\d+\s+127\.0\.0\.1:{port}\s", added);
        var closed = Assert.Single(frames, f => f.Contains("1 closed", StringComparison.Ordinal));
        Assert.Matches($@"(?m)^- LISTEN\s+0\s+\d+\s+127\.0\.0\.1:{port}\s", closed);
    }
}

/// <summary>
/// --watch takes an optional number of seconds, so the word after it may be the filter's first word
/// (`sock stat -tln --watch sport = :22`, `sock stat -t --watch state established`): that word is the filter's, in
/// its place, and a word that is neither is the filter's one-line error, never a crash of the parser.
/// </summary>
public class StatWatchFilterWordTests
{
    public static TheoryData<string> Listeners => new() { Transports.Tcp4, Transports.Tcp6 };

    [Theory]
    [MemberData(nameof(Listeners))]
    public async Task a_filter_word_right_after_watch_is_the_filters(string transport)
    {
        using var l = new Socket(transport == Transports.Tcp6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        l.Bind(Transports.BindEndPoint(transport));
        l.Listen(4);
        var port = ((IPEndPoint)l.LocalEndPoint!).Port;
        var run = await SockRunner.RunAsync(["stat", "-tln", "--watch", "sport", "=", $":{port}", "--count", "1"], timeout: TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain("Unhandled", run.Stderr);
        Assert.Matches($@"(?m)^[ +] LISTEN\s+0\s+\d+\s+\S+:{port}\s", run.Stdout);
    }

    [Theory]
    [MemberData(nameof(Listeners))]
    public async Task state_right_after_watch_is_the_filters_state_word(string transport)
    {
        using var l = new Socket(transport == Transports.Tcp6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        l.Bind(Transports.BindEndPoint(transport));
        l.Listen(4);
        var port = ((IPEndPoint)l.LocalEndPoint!).Port;
        // Right after --watch, and between two filter words: either way the filter reads "state listening sport = :PORT".
        string[][] lines = [["--watch", "state", "listening"], ["state", "--watch", "listening"]];
        foreach (var words in lines)
        {
            var run = await SockRunner.RunAsync(["stat", "-tn", .. words, "sport", "=", $":{port}", "--count", "1"], timeout: TimeSpan.FromSeconds(30));
            Assert.True(run.ExitCode == 0, run.ToString());
            // One state asked for: its column is left out, as ss leaves it out.
            Assert.Matches($@"(?m)^[ +] 0\s+\d+\s+\S+:{port}\s", run.Stdout);
        }
    }

    [Fact]
    public async Task a_word_after_watch_that_is_neither_seconds_nor_filter_is_one_line_exit_2()
    {
        var run = await SockRunner.RunAsync(["stat", "--watch", "abc", "--count", "1"], timeout: TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == 2, run.ToString());
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith("sock: filter at word 1 'abc'", line);
    }
}

/// <summary>Without root: the output says once that other users' processes are not visible.</summary>
public class StatWithoutRootTests
{
    [Fact]
    public async Task without_root_the_missing_processes_are_said_once()
    {
        if (!Environment.IsPrivilegedProcess || !ExternalTool.Exists("setpriv")) Assert.Fail("this test needs root and setpriv to drop to nobody");
        var run = await ExternalTool.RunAsync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups",
            "env", "DOTNET_CLI_HOME=/tmp", "HOME=/tmp", "NO_COLOR=1", .. SockRunner.Executable, "stat", "-tanp"]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        var note = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("sock: note: not running as root: other users' processes are not visible, so their sockets show no process", note);
        Assert.StartsWith("State", run.Stdout);
    }
}

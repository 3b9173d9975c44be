using Sock.Tests.Support;

namespace Sock.Tests.Cli;

/// <summary>
/// Bad input is one line on stderr, "sock: what: why", exit 2 for usage and 1 for the network, never a stack trace
/// and never .NET's own wording. One theory per command; each case names the words the line must hold.
/// </summary>
public class BadInputTests
{
    private static async Task<SockRun> AssertOneLine(string[] args, int exit, string[] words)
    {
        var run = await SockRunner.RunAsync(args, stdin: "", timeout: TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == exit, $"sock {string.Join(' ', args)}: {run}");
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith("sock: ", line);
        Assert.DoesNotContain(" at Sock.", line);
        Assert.DoesNotContain("internal error", line);
        Assert.DoesNotContain("Exception", line);
        foreach (var w in words) Assert.Contains(w, line);
        return run;
    }

    private static string LongPath() => "/tmp/" + new string('x', 137); // 142 bytes, past sun_path's 107

    public static TheoryData<string[], int, string[]> ConnectCases() => new()
    {
        { ["connect", "-w", "-5s", "127.0.0.1", "80"], 2, ["-w", "-5s", "more than 0"] },
        { ["connect", "-w", "0", "127.0.0.1", "80"], 2, ["-w", "more than 0"] },
        { ["connect", "-U", LongPath()], 2, ["107", "sun_path"] },
        { ["connect", "--frobnicate", "127.0.0.1", "80"], 2, ["unrecognized option", "--frobnicate"] },
        { ["connect", "127.0.0.1:80", "81"], 2, ["HOST:PORT and PORT both given"] },
        { ["connect", "-p", "9000", "-U", $"/tmp/sock-bad-c-{Environment.ProcessId}.sock"], 2, ["-p", "9000", "Unix socket"] },
    };

    [Theory]
    [MemberData(nameof(ConnectCases))]
    public Task connect(string[] args, int exit, string[] words) => AssertOneLine(args, exit, words);

    [Theory]
    [InlineData("/nonexistent/prog", "program not found")]
    [InlineData("/etc/passwd", "permission denied")]
    public async Task connect_exec_of_a_program_that_cannot_run_says_why_in_a_few_words(string program, string why)
    {
        using var peer = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        peer.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        peer.Listen(4);
        var port = ((System.Net.IPEndPoint)peer.LocalEndPoint!).Port;
        await AssertOneLine(["connect", "-e", program, "127.0.0.1", port.ToString()], 2, [program, why]);
        Assert.DoesNotContain("An error occurred", why);
    }

    public static TheoryData<string[], int, string[]> ListenCases() => new()
    {
        { ["listen", "-U", $"/tmp/sock-bad-{Environment.ProcessId}.sock", "9999"], 2, ["-U", "9999", "only address"] },
        { ["listen", "300.1.1.1", "9999"], 2, ["300.1.1.1", "not an IPv4 or IPv6 address"] },
        { ["listen", "-U", LongPath()], 2, ["107", "sun_path"] },
        { ["listen", "-U", $"/nonexistent-{Environment.ProcessId}/dir/l.sock"], 2, ["no such directory", $"/nonexistent-{Environment.ProcessId}/dir"] },
        { ["listen", "--frobnicate", "0"], 2, ["unrecognized option", "--frobnicate"] },
        { ["listen", "-i", "-1s", "0"], 2, ["-i", "more than 0"] },
        { ["listen", "-k", "--broker", "-e", "/bin/cat", "0"], 2, ["-e", "--broker", "choose one"] },
        { ["listen", "-k", "--chat", "-c", "cat", "0"], 2, ["-c", "--chat", "choose one"] },
        { ["listen", "--ssl", "--ssl-cert", $"/tmp/sock-no-cert-{Environment.ProcessId}.pem", "0"], 2, ["--ssl-cert", "no such file"] },
        { ["listen", "--ssl", "--ssl-verify", "--ssl-trustfile", $"/tmp/sock-no-ca-{Environment.ProcessId}.pem", "0"], 2, ["--ssl-trustfile", "no such file"] },
    };

    [Theory]
    [MemberData(nameof(ListenCases))]
    public Task listen(string[] args, int exit, string[] words) => AssertOneLine(args, exit, words);

    public static TheoryData<string[], int, string[]> ServeCases() => new()
    {
        { ["serve", "echo", "--bind", "300.1.1.1", "--port", "0"], 2, ["300.1.1.1", "not an IPv4 or IPv6 address"] },
        { ["serve", "echo", "--unix", $"/nonexistent-{Environment.ProcessId}/dir/e.sock"], 2, ["no such directory", $"/nonexistent-{Environment.ProcessId}/dir"] },
        { ["serve", "echo", "--port", "0", "--drain", "-1s"], 2, ["drain", "-1s", "negative"] },
        { ["serve", "echo", "--frobnicate"], 2, ["unrecognized option", "--frobnicate"] },
        // A subcommand's hint names its parent.
        { ["snmp", "bulkwalk", "--frobnicate", "127.0.0.1", "1.3.6"], 2, ["unrecognized option", "(see 'sock snmp bulkwalk --help')"] },
        { ["serve", "echo", "--unix", LongPath()], 2, ["107", "sun_path"] },
        { ["serve", "qotd", "--port", "0", "--quotes", "/tmp"], 2, ["/tmp", "is a directory"] },
        { ["serve", "echo", "--port", "0", "-i", "0"], 2, ["idle timeout", "more than 0"] },
    };

    [Theory]
    [MemberData(nameof(ServeCases))]
    public Task serve(string[] args, int exit, string[] words) => AssertOneLine(args, exit, words);

    public static TheoryData<string[], int, string[]> StatCases() => new()
    {
        { ["stat", "--count", "3"], 2, ["--count", "--watch"] },
        { ["stat", "-K"], 2, ["unrecognized option", "'-K'"] },
        { ["stat", "-Z"], 2, ["unrecognized option", "'-Z'"] },
    };

    [Theory]
    [MemberData(nameof(StatCases))]
    public Task stat(string[] args, int exit, string[] words) => AssertOneLine(args, exit, words);

    public static TheoryData<string[], int, string[]> ScanCases() => new()
    {
        { ["scan", "127.0.0.1", "--frobnicate", "-p", "1"], 2, ["unrecognized option", "--frobnicate"] },
        { ["scan", "-sT", "-Pn", "127.0.0.1"], 2, ["unrecognized option", "-sT"] },
        { ["scan", "127.0.0.1", "-p", "1", "--workers", "0"], 2, ["--workers", "0", "1 to 64"] },
        { ["scan", "127.0.0.1", "-p", "1", "--engine", "iocp"], 2, ["iocp", "--engine"] },
        { ["scan", "127.0.0.1", "-p", "1", "--udp", "--engine", "epoll"], 2, ["--engine", "--udp", "one engine"] },
        { ["scan", "127.0.0.1", "-p", "1", "--engine", "portable", "--workers", "2"], 2, ["--workers", "portable", "has none"] },
    };

    [Theory]
    [MemberData(nameof(ScanCases))]
    public Task scan(string[] args, int exit, string[] words) => AssertOneLine(args, exit, words);

    /// <summary>Options that a mode of the newer commands cannot honour are refused, never dropped.</summary>
    public static TheoryData<string[], int, string[]> ModeCases() => new()
    {
        { ["ping", "--tcp", "1", "-s", "100", "-c", "1", "127.0.0.1"], 2, ["-s", "100", "--tcp"] },
        { ["stun", "--serve", "-w", "1s", "127.0.0.1:0"], 2, ["--wait", "--serve", "client only"] },
        { ["stun", "--serve", "--json", "127.0.0.1:0"], 2, ["--json", "--serve"] },
        { ["stun", "--serve", "-p", "4000", "127.0.0.1:0"], 2, ["--source-port", "--serve"] },
        { ["snmp", "walk", "-c", "public", "-Cr", "5", "127.0.0.1", "1.3"], 2, ["-Cr", "5", "bulkwalk"] },
        { ["traceroute", "--mtu", "-T", "-p", "1", "-n", "127.0.0.1"], 2, ["--mtu -T:", "UDP and ICMP probes only"] },
        { ["bench", "echo", "127.0.0.1", "7", "--async"], 2, ["--async", "pipeline mode"] },
    };

    [Theory]
    [MemberData(nameof(ModeCases))]
    public Task modes_of_the_newer_commands(string[] args, int exit, string[] words) => AssertOneLine(args, exit, words);

    /// <summary>
    /// What the command-line parser itself refuses (a word that is not a number, a missing value, an option given
    /// twice, a missing argument or subcommand) is said in sock's words, naming the option as typed — never
    /// System.CommandLine's sentence with a .NET type name in it ("as expected type 'System.Nullable`1[System.Int32]'").
    /// </summary>
    public static TheoryData<string[], string[]> ParserCases() => new()
    {
        { ["ping", "-c", "abc", "127.0.0.1"], ["-c abc: not a whole number"] },
        { ["ping", "-s", "1.5", "127.0.0.1"], ["-s 1.5: not a whole number"] },
        { ["bench", "throughput", "127.0.0.1", "5201", "-P", "99999999999"], ["-P 99999999999: out of range", "2147483647"] },
        { ["listen", "--max-conns", "-7x", "0"], ["--max-conns -7x: not a whole number"] },
        { ["traceroute", "-n", "127.0.0.1", "abc"], ["packetlen abc: not a whole number"] },
        { ["stat", "--watch", "0.5", "--count", "many"], ["--count many: not a whole number"] },
        { ["connect", "-w"], ["-w: needs a value"] },
        { ["scan", "127.0.0.1", "-p"], ["-p: needs a value"] },
        { ["connect", "-w", "1", "-w", "2", "127.0.0.1", "1"], ["-w: given 2 times", "once"] },
        { ["scan"], ["scan: TARGET is needed"] },
        { ["snmp"], ["snmp: a subcommand is needed", "get", "walk"] },
        { ["frob"], ["unrecognized command or argument 'frob'"] },
    };

    [Theory]
    [MemberData(nameof(ParserCases))]
    public async Task parser_errors_in_sock_words(string[] args, string[] words)
    {
        var run = await AssertOneLine(args, 2, words);
        foreach (var dotnet in new[] { "System.", "Cannot parse", "Required argument", "expects a single argument", "Required command", "Unrecognized" })
            Assert.DoesNotContain(dotnet, run.Stderr);
    }

    /// <summary>
    /// A listener's one word that is all digits is its port, as ncat reads it: out of range says so
    /// ("Ncat: Invalid port number "65536""), not "not an IPv4 or IPv6 address" or "not a port number".
    /// </summary>
    public static TheoryData<string[], string[]> ListenPortCases() => new()
    {
        { ["nc", "-l", "65536"], ["port 65536: out of range"] },
        { ["nc", "-lk", "99999999999"], ["port 99999999999: out of range"] },
        { ["listen", "99999"], ["port 99999: out of range"] },
        { ["listen", "-u", "65536"], ["port 65536: out of range"] },
    };

    [Theory]
    [MemberData(nameof(ListenPortCases))]
    public Task a_listeners_number_too_large_for_a_port_is_out_of_range(string[] args, string[] words) => AssertOneLine(args, 2, words);

    /// <summary>iperf3's -P is bench's too: a count out of range names -P as typed, not -c, its twin.</summary>
    [Theory]
    [InlineData("0")]
    [InlineData("10001")]
    public async Task bench_parallel_out_of_range_names_P(string streams)
    {
        var run = await AssertOneLine(["bench", "throughput", "127.0.0.1", "5201", "-P", streams], 2, [$"-P {streams}:", "1 to 10000"]);
        Assert.DoesNotContain("-c", run.Stderr);
    }
}

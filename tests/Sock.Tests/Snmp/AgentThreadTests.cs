using System.Globalization;
using Sock.Tests.Forwarding;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Snmp;

/// <summary>
/// sock agent, and the agent --agent adds to a server, read each UDP socket on a thread of its own
/// (ServerOptions.DatagramThreads), as snmpd's single loop does: a request's recvmsg, the answer and its sendmsg run on
/// that thread, with no hand-off to .NET's socket engine or the thread pool. strace, attached to the running process,
/// says which thread made each call.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AgentThreadTests
{
    private const int Requests = 20;

    [Theory]
    [InlineData(Transports.Udp4)]
    [InlineData(Transports.Udp6)]
    public async Task each_request_is_received_and_answered_on_the_sockets_own_thread(string transport)
    {
        if (!AgentProcess.PeersInstalled || !ExternalTool.Exists("strace")) return;
        await using var agent = await AgentProcess.StartAsync();
        await AssertAnsweredOnOwnThreadAsync(agent.Process.Pid, () => agent.RunAsync("snmpget", "2c", transport, "1.3.6.1.2.1.1.3.0"));
    }

    [Theory]
    [InlineData(Transports.Udp4)]
    [InlineData(Transports.Udp6)]
    public async Task the_agent_beside_a_server_answers_on_its_sockets_own_thread_too(string transport)
    {
        if (!AgentProcess.PeersInstalled || !ExternalTool.Exists("strace")) return;
        var community = "c" + Guid.NewGuid().ToString("N")[..12];
        var host = transport == Transports.Udp6 ? "[::1]" : "127.0.0.1";
        await using var serve = RunningProcess.Sock("serve", "echo", "--tcp", "--bind", "127.0.0.1", "--port", "0", "--agent", $"{host}:0", "--agent-community", community);
        var bound = await serve.WaitForStderrAsync($@"^serving snmp \(RFC 3416, --agent.*\) on udp {System.Text.RegularExpressions.Regex.Escape(host)}:(\d+)$", 30);
        var target = $"{(transport == Transports.Udp6 ? "udp6" : "udp")}:{host}:{bound.Groups[1].Value}";
        await AssertAnsweredOnOwnThreadAsync(serve.Process.Id,
            () => ExternalTool.RunAsync("snmpget", ["-v", "2c", "-c", community, "-On", "-t", "5", "-r", "2", target, "1.3.6.1.2.1.1.3.0"]));
    }

    // Attaches strace to pid, asks Requests times, and checks every call carrying an SNMP datagram ran on "sock snmp udp".
    private static async Task AssertAnsweredOnOwnThreadAsync(int pid, Func<Task<(int ExitCode, string Stdout, string Stderr)>> ask)
    {
        using var dir = new TempDirectory("sock-agent-strace-");
        var log = dir.File("strace.log");
        var strace = await ForwardThreadTests.AttachStraceAsync(pid, "recvfrom,sendto,recvmsg,sendmsg", log);
        await using (strace)
        {
            for (var i = 0; i < Requests; i++)
            {
                var r = await ask();
                Assert.True(r.ExitCode == 0, r.Stderr);
            }
            await ExternalTool.RunAsync("kill", "-INT", strace.Process.Id.ToString(CultureInfo.InvariantCulture));
            await strace.WaitForExitAsync(20);
        }
        // The calls that carry an SNMP datagram name the peer's IP address (.NET sends and receives with a socket address
        // through sendmsg/recvmsg); a table read from the kernel is over netlink, and not counted.
        var calls = ForwardThreadTests.Parse(File.ReadAllLines(log))
            .Where(c => c.Result > 0 && (c.Line.Contains("sa_family=AF_INET,", StringComparison.Ordinal) || c.Line.Contains("sa_family=AF_INET6,", StringComparison.Ordinal)))
            .ToList();
        var reads = calls.Where(c => c.Call is "recvmsg" or "recvfrom").ToList();
        var sends = calls.Where(c => c.Call is "sendmsg" or "sendto").ToList();
        // A receive that strace shows in two halves (begun, then resumed after another thread's line) may name its peer
        // only in one of them: every answer is counted, not quite every request.
        Assert.True(reads.Count >= Requests / 2 && sends.Count >= Requests, $"strace saw {reads.Count} requests and {sends.Count} answers of {Requests}");
        var names = calls.Select(c => c.Tid).Distinct().ToDictionary(t => t, t => ForwardThreadTests.ThreadName(pid, t));
        var elsewhere = calls.Where(c => names[c.Tid] != "sock snmp udp").ToList();
        Assert.True(elsewhere.Count == 0, $"{elsewhere.Count} of {calls.Count} calls ran off the sockets' threads, e.g. "
            + string.Join(" | ", elsewhere.Take(6).Select(c => $"{c.Line} [{names[c.Tid]}]")));
    }
}

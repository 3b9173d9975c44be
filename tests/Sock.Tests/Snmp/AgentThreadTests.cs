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
        await DatagramThreadCheck.AssertAnsweredOnOwnThreadAsync(agent.Process.Pid, "sock snmp udp", Requests, () => agent.RunAsync("snmpget", "2c", transport, "1.3.6.1.2.1.1.3.0"));
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
        await DatagramThreadCheck.AssertAnsweredOnOwnThreadAsync(serve.Process.Id, "sock snmp udp", Requests,
            () => ExternalTool.RunAsync("snmpget", ["-v", "2c", "-c", community, "-On", "-t", "5", "-r", "2", target, "1.3.6.1.2.1.1.3.0"]));
    }
}

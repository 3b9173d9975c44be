using Sock.Tests.Support;

namespace Sock.Tests.Stun;

/// <summary>
/// sock stun --serve answers Binding requests over UDP on the socket's own thread in blocking calls
/// (ServerOptions.DatagramThreads), as coturn's listener threads do: the request's recvmsg, the answer and its sendmsg on
/// that thread, with no hand-off to .NET's socket engine or the thread pool. The client is coturn's turnutils_stunclient.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class StunServerThreadTests
{
    private const int Requests = 10;

    [Theory]
    [InlineData(Transports.Udp4)]
    [InlineData(Transports.Udp6)]
    public async Task each_binding_request_is_received_and_answered_on_the_sockets_own_thread(string transport)
    {
        if (!ExternalTool.Exists("strace")) return;
        Assert.True(ExternalTool.Exists("turnutils_stunclient"), "coturn (turnutils_stunclient) is needed for this test (test.sh installs it)");
        var host = transport == Transports.Udp6 ? "::1" : "127.0.0.1";
        await using var server = await StunServeProcess.StartAsync(transport == Transports.Udp6 ? "[::1]:0" : "127.0.0.1:0");
        await DatagramThreadCheck.AssertAnsweredOnOwnThreadAsync(server.Pid, "sock stun udp", Requests, async () =>
        {
            var run = await ExternalTool.RunAsync("turnutils_stunclient", "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), host);
            return run.Stdout.Contains("UDP reflexive addr", StringComparison.Ordinal) ? run : (1, run.Stdout, "no reflexive address: " + run.Stdout + run.Stderr);
        });
    }
}

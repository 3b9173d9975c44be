using System.Globalization;
using Sock.Tests.Forwarding;

namespace Sock.Tests.Support;

/// <summary>
/// Whether a server answers its UDP datagrams on the socket's own thread (ServerOptions.DatagramThreads): strace, attached
/// to the running process, says which thread made each recvmsg and sendmsg.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static class DatagramThreadCheck
{
    /// <summary>
    /// Attaches strace to pid, asks <paramref name="requests"/> times, and checks that every call carrying a datagram to
    /// or from an IP peer ran on the thread named <paramref name="thread"/> (ServerOptions.DatagramThreads' thread).
    /// </summary>
    public static async Task AssertAnsweredOnOwnThreadAsync(int pid, string thread, int requests, Func<Task<(int ExitCode, string Stdout, string Stderr)>> ask)
    {
        using var dir = new TempDirectory("sock-udp-strace-");
        var log = dir.File("strace.log");
        var strace = await ForwardThreadTests.AttachStraceAsync(pid, "recvfrom,sendto,recvmsg,sendmsg", log);
        await using (strace)
        {
            for (var i = 0; i < requests; i++)
            {
                var r = await ask();
                Assert.True(r.ExitCode == 0, r.Stderr);
            }
            await ExternalTool.RunAsync("kill", "-INT", strace.Process.Id.ToString(CultureInfo.InvariantCulture));
            await strace.WaitForExitAsync(20);
        }
        // The calls that carry a datagram name the peer's IP address (.NET sends and receives with a socket address
        // through sendmsg/recvmsg); a table read from the kernel is over netlink, and not counted.
        var calls = ForwardThreadTests.Parse(File.ReadAllLines(log))
            .Where(c => c.Result > 0 && (c.Line.Contains("sa_family=AF_INET,", StringComparison.Ordinal) || c.Line.Contains("sa_family=AF_INET6,", StringComparison.Ordinal)))
            .ToList();
        var reads = calls.Where(c => c.Call is "recvmsg" or "recvfrom").ToList();
        var sends = calls.Where(c => c.Call is "sendmsg" or "sendto").ToList();
        // A receive that strace shows in two halves (begun, then resumed after another thread's line) may name its peer
        // only in one of them: every answer is counted, not quite every request.
        Assert.True(reads.Count >= requests / 2 && sends.Count >= requests, $"strace saw {reads.Count} requests and {sends.Count} answers of {requests}");
        var names = calls.Select(c => c.Tid).Distinct().ToDictionary(t => t, t => ForwardThreadTests.ThreadName(pid, t));
        var elsewhere = calls.Where(c => names[c.Tid] != thread).ToList();
        Assert.True(elsewhere.Count == 0, $"{elsewhere.Count} of {calls.Count} calls ran off the sockets' threads, e.g. "
            + string.Join(" | ", elsewhere.Take(6).Select(c => $"{c.Line} [{names[c.Tid]}]")));
    }
}

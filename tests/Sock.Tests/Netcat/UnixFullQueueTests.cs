using System.Net.Sockets;
using System.Text;
using Sock.Tests.Support;

namespace Sock.Tests.Netcat;

/// <summary>
/// A Unix listener whose accept queue is full: a blocking connect() would wait for room, a non-blocking one gets EAGAIN
/// at once (and .NET words that as a missing address). sock waits as the blocking call would, within the connect timeout,
/// and says what happened when the time runs out — never "no such socket file" for a file that is there. Unix only: a
/// TCP listener's full queue drops the SYN and the kernel retries it by itself.
/// </summary>
public class UnixFullQueueTests
{
    /// <summary>A listener with room for one waiting connection, taken by a first client that is never accepted.</summary>
    private static (Socket Listener, Socket Filler) FullListener(string path)
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(Endpoint(path));
        listener.Listen(0);
        var filler = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        filler.Connect(Endpoint(path));
        return (listener, filler);
    }

    /// <summary>A socket file, and a name in Linux's abstract namespace (no file to look at).</summary>
    public static TheoryData<string> Kinds => new() { "file", "abstract" };

    private static string PathOf(string kind, TempDirectory dir) =>
        kind == "file" ? dir.File("s.sock") : $"@sock-fullq-{Environment.ProcessId}-{Guid.NewGuid():N}";

    private static UnixDomainSocketEndPoint Endpoint(string path) => new(path[0] == '@' ? "\0" + path[1..] : path);

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task connect_waits_for_room_in_a_full_accept_queue(string kind)
    {
        using var dir = new TempDirectory("sock-fullq-");
        var path = PathOf(kind, dir);
        var (listener, filler) = FullListener(path);
        using var _ = listener;
        using var __ = filler;
        await using var sock = RunningProcess.Sock("--trace", "connect", "-U", path);
        sock.CloseStdin();
        // Room is made only once sock has been refused for the full queue (its trace says EAGAIN): the wait is real.
        await sock.WaitForStderrAsync(@"= -1 EAGAIN", 30);
        using var first = await listener.AcceptAsync();
        using var second = await listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await second.SendAsync(Encoding.ASCII.GetBytes("room at last\n"));
        second.Shutdown(SocketShutdown.Send);
        var exit = await sock.WaitForExitAsync(30);
        Assert.True(exit == 0, string.Join(" | ", sock.StderrLines));
        Assert.Equal("room at last\n", sock.StdoutText);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task a_queue_that_stays_full_past_the_timeout_is_said_as_such(string kind)
    {
        using var dir = new TempDirectory("sock-fullq-");
        var path = PathOf(kind, dir);
        var (listener, filler) = FullListener(path);
        using var _ = listener;
        using var __ = filler;
        var run = await SockRunner.RunAsync(["connect", "-w", "1", "-U", path], "", TimeSpan.FromSeconds(60));
        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"sock: connect to {path} failed: its listener's accept queue is full (EAGAIN)", Assert.Single(run.StderrLines));
    }
}

using System.Net.Sockets;
using Sock.Tests.Support;

namespace Sock.Tests.Netcat;

/// <summary>
/// What sock does with what is already at a Unix socket path: a symbolic link is never followed nor removed, a file
/// that is not a socket is never touched, and only a socket file nothing answers on is replaced — for every command
/// that binds one.
/// </summary>
public class UnixSocketPathTests
{
    public static TheoryData<string> Binders => new() { "listen", "listen -k", "serve", "bench --server" };

    private static string[] Args(string binder, string path) => binder switch
    {
        "serve" => ["serve", "echo", "--unix", path],
        "bench --server" => ["bench", "--server", "-U", path],
        _ => [.. binder.Split(' '), "-U", path],
    };

    /// <summary>A socket file that nothing listens on any more (bound, then closed without unlinking).</summary>
    private static void MakeStaleSocket(string path)
    {
        // .NET removes the file a socket bound when it is disposed: bound under another name, renamed, the file stays.
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.Bind(new UnixDomainSocketEndPoint(path + ".tmp"));
        File.Move(path + ".tmp", path);
    }

    [Theory]
    [MemberData(nameof(Binders))]
    public async Task a_dangling_symbolic_link_is_refused_and_kept(string binder)
    {
        using var dir = new TempDirectory("sock-link-");
        var link = dir.File("s.sock");
        File.CreateSymbolicLink(link, dir.File("nowhere"));
        var run = await SockRunner.RunAsync(Args(binder, link), "", TimeSpan.FromSeconds(30));
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"sock: bind to {link}: is a symbolic link (refusing to follow or replace it)", Assert.Single(run.StderrLines));
        Assert.Equal(dir.File("nowhere"), new FileInfo(link).LinkTarget);
    }

    [Theory]
    [MemberData(nameof(Binders))]
    public async Task a_symbolic_link_to_a_stale_socket_is_refused_and_both_are_kept(string binder)
    {
        using var dir = new TempDirectory("sock-link-");
        var stale = dir.File("stale.sock");
        MakeStaleSocket(stale);
        var link = dir.File("s.sock");
        File.CreateSymbolicLink(link, stale);
        var run = await SockRunner.RunAsync(Args(binder, link), "", TimeSpan.FromSeconds(30));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("is a symbolic link", Assert.Single(run.StderrLines));
        Assert.Equal(stale, new FileInfo(link).LinkTarget);
        Assert.True(File.Exists(stale));
    }

    [Theory]
    [MemberData(nameof(Binders))]
    public async Task a_regular_file_is_refused_and_kept(string binder)
    {
        using var dir = new TempDirectory("sock-link-");
        var file = dir.File("s.sock");
        File.WriteAllText(file, "keep me");
        var run = await SockRunner.RunAsync(Args(binder, file), "", TimeSpan.FromSeconds(30));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("is not a socket", Assert.Single(run.StderrLines));
        Assert.Equal("keep me", File.ReadAllText(file));
    }

    [Theory]
    [MemberData(nameof(Binders))]
    public async Task a_directory_is_refused_and_kept(string binder)
    {
        using var dir = new TempDirectory("sock-link-");
        var sub = dir.File("s.sock");
        Directory.CreateDirectory(sub);
        File.WriteAllText(Path.Combine(sub, "inside"), "keep me");
        var run = await SockRunner.RunAsync(Args(binder, sub), "", TimeSpan.FromSeconds(30));
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"sock: bind to {sub}: is a directory, not a socket file", Assert.Single(run.StderrLines));
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(sub, "inside")));
    }

    [Theory]
    [MemberData(nameof(Binders))]
    public async Task a_stale_socket_file_is_replaced_and_removed_at_exit(string binder)
    {
        using var dir = new TempDirectory("sock-link-");
        var path = dir.File("s.sock");
        MakeStaleSocket(path);
        await using var sock = RunningProcess.Sock(Args(binder, path));
        // Served: a connect now reaches sock, not the stale file.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var c = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await c.ConnectAsync(new UnixDomainSocketEndPoint(path));
                break;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !sock.Process.HasExited)
            {
                await Task.Delay(50);
            }
        }
        await ExternalTool.RunAsync("kill", "-TERM", sock.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await sock.WaitForExitAsync();
        Assert.False(File.Exists(path), string.Join(" | ", sock.StderrLines));
    }
}

using System.Security.Cryptography;
using Sock.Tests.Support;
using Xunit.Abstractions;

namespace Sock.Tests.Netcat;

/// <summary>
/// -o/-x are secondary to the session: a recording file that stops taking writes (a full disk) is warned about once and
/// dropped, and every byte still goes through.
/// </summary>
public class RecordingFailureTests(ITestOutputHelper output)
{
    private const int Size = 1 << 20;

    /// <summary>A 64 KiB tmpfs mounted in a fresh directory: a disk that fills after 64 KiB. Null when mounting is not allowed.</summary>
    private sealed class FullDisk : IDisposable
    {
        private readonly TempDirectory _dir = new("sock-full-");

        private FullDisk() { }

        public string Path => _dir.Path;

        public static async Task<FullDisk?> MountAsync()
        {
            var disk = new FullDisk();
            var (exit, _, _) = await ExternalTool.RunAsync("mount", "-t", "tmpfs", "-o", "size=64k", $"sock-full-{Environment.ProcessId}", disk.Path);
            if (exit == 0) return disk;
            disk._dir.Dispose();
            return null;
        }

        public void Dispose()
        {
            _ = ExternalTool.RunAsync("umount", "-l", _dir.Path).GetAwaiter().GetResult();
            _dir.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task connect_goes_on_when_the_raw_recording_hits_a_full_device(string transport) =>
        await ConnectAsync(transport, "-o", "/dev/full");

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task connect_goes_on_when_the_hex_recording_fills_its_disk(string transport)
    {
        using var disk = await FullDisk.MountAsync();
        if (disk is null)
        {
            output.WriteLine("skipped: mounting a tmpfs is not allowed here (needs root); /dev/full covers -o");
            return;
        }
        await ConnectAsync(transport, "-x", System.IO.Path.Combine(disk.Path, "rec.hex"));
    }

    private static async Task ConnectAsync(string transport, string option, string file)
    {
        var (server, target) = Net.TestListener(transport);
        using var _ = server;
        var payload = RandomNumberGenerator.GetBytes(Size);
        var echo = Task.Run(async () =>
        {
            using var c = await server.AcceptAsync();
            var buf = new byte[65536];
            int n;
            while ((n = await c.ReceiveAsync(buf)) > 0) await c.SendAsync(buf.AsMemory(0, n));
        });
        await using var sock = RunningProcess.SockHashed(["connect", option, file, .. target.ConnectArgs]);
        var feed = Task.Run(async () =>
        {
            await sock.Stdin.WriteAsync(payload);
            sock.CloseStdin();
        });
        Assert.True(await sock.WaitForExitAsync(60) == 0, string.Join(" | ", sock.StderrLines));
        await feed;
        var (_, sha, length) = await sock.Stdout;
        Assert.Equal(Size, length);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(payload)), sha);
        Assert.Equal($"recording to {file} stopped: no space left on device", Assert.Single(sock.StderrLines));
        await echo.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task listen_goes_on_when_the_recording_fills_its_disk()
    {
        using var disk = await FullDisk.MountAsync();
        var file = disk is null ? "/dev/full" : System.IO.Path.Combine(disk.Path, "rec");
        var (listener, target) = await Net.StartListenerAsync(Transports.Tcp4, "-o", file);
        await using var _ = listener;
        listener.CloseStdin();
        var payload = RandomNumberGenerator.GetBytes(Size);
        using (var client = await target.ConnectAsync())
        {
            await client.SendAsync(payload);
            client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            await Net.ReadToEndAsync(client);
        }
        Assert.True(await listener.WaitForExitAsync() == 0, string.Join(" | ", listener.StderrLines));
        Assert.Equal(payload, (await listener.Stdout).Bytes);
        Assert.Single(listener.StderrLines, l => l == $"recording to {file} stopped: no space left on device");
    }

    [Fact]
    public async Task a_hex_dump_to_a_file_that_refuses_writes_is_one_warning_not_an_internal_error()
    {
        // /proc/version opens for writing (the tests run as root) and then fails every write with EIO.
        var (server, target) = Net.TestListener(Transports.Tcp4);
        using var _ = server;
        var reply = Task.Run(async () =>
        {
            using var c = await server.AcceptAsync();
            await c.SendAsync("hello\n"u8.ToArray());
            c.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            await Net.ReadToEndAsync(c);
        });
        var run = await SockRunner.RunAsync(["connect", "-x", "/proc/version", .. target.ConnectArgs], "");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hello\n", run.Stdout);
        Assert.Equal("recording to /proc/version stopped: input/output error", Assert.Single(run.StderrLines));
        await reply.WaitAsync(TimeSpan.FromSeconds(10));
    }
}

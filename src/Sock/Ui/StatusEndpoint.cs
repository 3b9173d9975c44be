using System.Net.Sockets;
using System.Text.Json;
using Sock.Cli.Rendering;
using Sock.Core.Errors;
using Sock.Core.Sockets;

namespace Sock.Cli.Ui;

/// <summary>
/// A server's --ui: a Unix socket in <see cref="StatusDirectory"/> named COMMAND-PID.sock (mode 0600) that answers every
/// connection with the server's <see cref="ServerPanel"/> as one JSON line and closes, so sock ui can read it as often as
/// it draws. Made when the server starts and removed when it stops (and at exit), by that server only.
/// </summary>
internal sealed class StatusEndpoint : IAsyncDisposable
{
    private readonly TracedSocket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private StatusEndpoint(TracedSocket listener, string path, Func<ServerPanel> read)
    {
        _listener = listener;
        Path = path;
        _loop = Task.Run(() => ServeAsync(read));
    }

    public string Path { get; }

    /// <summary>The --ui option every server command takes.</summary>
    public static System.CommandLine.Option<bool> Option() => new("--ui")
    {
        Description = "Show this server as a live panel in sock ui (a status socket in $XDG_RUNTIME_DIR/sock/, removed at exit)",
    };

    /// <summary>Opens the status socket for a server that runs as <paramref name="command"/> ("serve", "forward", "proxy").</summary>
    public static StatusEndpoint Start(string command, Func<ServerPanel> read)
    {
        string directory;
        try
        {
            directory = StatusDirectory.Create();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw SockException.Usage("--ui", StatusDirectory.Path, ex is UnauthorizedAccessException ? "permission denied" : "the directory cannot be made");
        }
        var path = System.IO.Path.Combine(directory, $"{command}-{Environment.ProcessId}.sock");
        var listener = SocketBinder.Open(new UnixDomainSocketEndPoint(path), SocketType.Stream, new ListenSettings(), trace: null);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return new StatusEndpoint(listener, path, read);
    }

    private async Task ServeAsync(Func<ServerPanel> read)
    {
        while (!_stop.IsCancellationRequested)
        {
            TracedSocket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SockException or SocketException or ObjectDisposedException)
            {
                if (_stop.IsCancellationRequested) return;
                continue;
            }
            using (client)
            {
                try
                {
                    var json = JsonSerializer.SerializeToUtf8Bytes(read(), SockJsonLines.Default.ServerPanel);
                    using var bound = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    bound.CancelAfter(TimeSpan.FromSeconds(2));
                    await client.Socket.SendAsync(json, SocketFlags.None, bound.Token);
                    await client.Socket.SendAsync("\n"u8.ToArray(), SocketFlags.None, bound.Token);
                    client.Socket.Shutdown(SocketShutdown.Send);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    // A reader that went away or stalled costs it its panel, never the server anything.
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        try { await _loop; } catch (OperationCanceledException) { }
        UnixSocketFile.Remove(Path);
        _stop.Dispose();
    }
}

using System.Net.Sockets;
using System.Text.Json;
using Sock.Cli.Rendering;
using Sock.Core.Sockets;

namespace Sock.Cli.Ui;

/// <summary>
/// Where servers started with --ui put their status sockets, and how sock ui finds them: $XDG_RUNTIME_DIR/sock/ (the
/// per-user runtime directory systemd makes, 0700), else /run/user/UID/sock/ when that exists, else /tmp/sock-UID/ —
/// made 0700 by whoever comes first, so only the same user sees the panels, as only they may read those sockets.
/// </summary>
internal static class StatusDirectory
{
    public static string Path
    {
        get
        {
            if (Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } xdg && Directory.Exists(xdg))
                return System.IO.Path.Combine(xdg, "sock");
            var uid = EffectiveUid() ?? Environment.UserName;
            var run = $"/run/user/{uid}";
            return Directory.Exists(run) ? System.IO.Path.Combine(run, "sock") : System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"sock-{uid}");
        }
    }

    /// <summary>This process's effective user id, from /proc/self/status (Linux; elsewhere null and the user's name serves).</summary>
    private static string? EffectiveUid()
    {
        try
        {
            // "Uid:\treal\teffective\tsaved\tfilesystem"
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            return line?.Split('\t', StringSplitOptions.RemoveEmptyEntries) is { Length: > 2 } f ? f[2] : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The directory, made (owner only) if it is not there.</summary>
    public static string Create()
    {
        var path = Path;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
        else Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>
    /// The panels of every server that answers on its socket now, each asked with a short bound. A socket file whose
    /// server is gone (killed before it could remove it) refuses and is left alone: only its server removes it.
    /// </summary>
    public static async Task<List<ServerPanel>> ReadAllAsync(CancellationToken ct)
    {
        var panels = new List<ServerPanel>();
        if (!Directory.Exists(Path)) return panels;
        var files = Directory.GetFiles(Path, "*.sock").Order(StringComparer.Ordinal).Take(64);
        foreach (var panel in await Task.WhenAll(files.Select(f => ReadAsync(f, ct))))
            if (panel is not null) panels.Add(panel);
        return panels;
    }

    private static async Task<ServerPanel?> ReadAsync(string file, CancellationToken ct)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            var endpoint = new UnixDomainSocketEndPoint(file);
            using var socket = TracedSocket.CreateFor(endpoint, SocketType.Stream, null);
            await socket.Socket.ConnectAsync(endpoint, bound.Token);
            using var text = new MemoryStream();
            var buffer = new byte[16 * 1024];
            int n;
            while ((n = await socket.Socket.ReceiveAsync(buffer, SocketFlags.None, bound.Token)) > 0)
            {
                text.Write(buffer, 0, n);
                if (text.Length > 4 << 20) return null;
            }
            return JsonSerializer.Deserialize(text.ToArray(), SockJsonLines.Default.ServerPanel);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or JsonException or IOException)
        {
            return null;
        }
    }
}

using System.Net.Sockets;
using System.Text.Json;
using Sock.Tests.Support;

namespace Sock.Tests.Ui;

/// <summary>
/// A --ui server's status socket, as the tests reach it: the server run with its own XDG_RUNTIME_DIR (so no other
/// test's servers share the directory), and the panel read as sock ui reads it, one JSON line per connection.
/// </summary>
internal static class StatusSocket
{
    /// <summary>sock with <paramref name="args"/>, its runtime directory set to <paramref name="runtime"/>.</summary>
    public static string[] InRuntime(TempDirectory runtime, params string[] args) =>
        ["env", $"XDG_RUNTIME_DIR={runtime.Path}", .. SockRunner.Command(args)];

    /// <summary>What the status socket at <paramref name="path"/> answers: the panel.</summary>
    public static async Task<JsonElement> ReadAsync(string path)
    {
        using var status = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await status.ConnectAsync(new UnixDomainSocketEndPoint(path));
        using var reader = new StreamReader(new NetworkStream(status, ownsSocket: false));
        var line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotNull(line);
        return JsonDocument.Parse(line).RootElement.Clone();
    }
}

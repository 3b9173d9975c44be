using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Sock.Tests.Support;

namespace Sock.Tests.Snmp;

/// <summary>
/// net-snmp's snmptrapd started by the test: a generated config (a random community, and whatever v3 users the test
/// adds), on 127.0.0.1 at a free high port, logging each notification to stdout in numbers (-Lo -On); its state in a
/// temporary directory; never the system's config or port 162.
/// </summary>
internal sealed class SnmptrapdProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDirectory _dir;
    private readonly List<string> _lines = [];
    private readonly Task _readers;

    private SnmptrapdProcess(Process process, TempDirectory dir, string community, int port)
    {
        _process = process;
        _dir = dir;
        Community = community;
        Port = port;
        _readers = Task.WhenAll(Pump(process.StandardOutput), Pump(process.StandardError));
    }

    public string Community { get; }
    public int Port { get; }
    public string Target => $"udp:127.0.0.1:{Port}";

    public static string? Binary => new[] { "/usr/sbin/snmptrapd", "/usr/local/sbin/snmptrapd" }.FirstOrDefault(File.Exists);

    public static bool Installed => Binary is not null && ExternalTool.Exists("snmptrap");

    public IReadOnlyList<string> Lines { get { lock (_lines) return [.. _lines]; } }

    /// <summary>
    /// Starts snmptrapd on <paramref name="port"/> (0: a free one); <paramref name="extraConfig"/> is appended to its
    /// config (createUser and authUser lines for v3).
    /// </summary>
    public static async Task<SnmptrapdProcess> StartAsync(string extraConfig = "", int port = 0)
    {
        var dir = new TempDirectory("sock-snmptrapd-");
        var community = "t" + Guid.NewGuid().ToString("N")[..12];
        File.WriteAllText(dir.File("snmptrapd.conf"), $"""
            authCommunity log,execute,net {community}
            {extraConfig}
            """);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var p = port != 0 ? port : FreeUdpPort();
            var process = ProcessRunner.Start([Binary!, "-f", "-Lo", "-On", "-C", "-c", dir.File("snmptrapd.conf"), $"--persistentDir={dir.Path}", $"udp:127.0.0.1:{p}"],
                new Dictionary<string, string> { ["MIBS"] = "" });
            var t = new SnmptrapdProcess(process, dir, community, p);
            // snmptrapd says its version once it has bound its port.
            var deadline = Environment.TickCount64 + 15_000;
            while (!process.HasExited && Environment.TickCount64 < deadline && !t.Lines.Any(l => l.StartsWith("NET-SNMP version", StringComparison.Ordinal)))
                await Task.Delay(50);
            if (!process.HasExited && t.Lines.Any(l => l.StartsWith("NET-SNMP version", StringComparison.Ordinal))) return t;
            await t.StopAsync();
            if (port != 0) break;
        }
        dir.Dispose();
        throw new InvalidOperationException("snmptrapd did not start");
    }

    /// <summary>Waits (at most <paramref name="timeout"/>) for a logged notification line containing <paramref name="text"/>.</summary>
    public async Task<string?> WaitForAsync(string text, TimeSpan timeout)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            var hit = Lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
            if (hit is not null || Environment.TickCount64 > deadline) return hit;
            await Task.Delay(50);
        }
    }

    public static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    private async Task Pump(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
            lock (_lines) _lines.Add(line);
    }

    private async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        await _readers.WaitAsync(TimeSpan.FromSeconds(5));
        _process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _dir.Dispose();
    }
}

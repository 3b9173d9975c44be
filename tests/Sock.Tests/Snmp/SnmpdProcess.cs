using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Sock.Tests.Support;

namespace Sock.Tests.Snmp;

/// <summary>
/// net-snmp's snmpd started by the test: a generated config (a random read-only community), on 127.0.0.1 and ::1 at
/// a free high port, its state in a temporary directory; never the system's config or port 161.
/// </summary>
internal sealed class SnmpdProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDirectory _dir;

    private SnmpdProcess(Process process, TempDirectory dir, string community, int port)
    {
        _process = process;
        _dir = dir;
        Community = community;
        Port = port;
    }

    public string Community { get; }
    public int Port { get; }

    public static string? Binary => new[] { "/usr/sbin/snmpd", "/usr/local/sbin/snmpd" }.FirstOrDefault(File.Exists);

    public static bool Installed => Binary is not null && ExternalTool.Exists("snmpwalk");

    /// <summary>Starts snmpd; <paramref name="extraConfig"/> is appended to its snmpd.conf (createUser and rouser lines for v3).</summary>
    public static async Task<SnmpdProcess> StartAsync(string extraConfig = "", bool tcp = false)
    {
        var dir = new TempDirectory("sock-snmpd-");
        var community = "s" + Guid.NewGuid().ToString("N")[..12];
        File.WriteAllText(Path.Combine(dir.Path, "snmpd.conf"), $"""
            rocommunity {community} 127.0.0.1
            rocommunity6 {community} ::1
            sysLocation sock test
            sysContact nobody
            {extraConfig}
            """);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var port = FreeUdpPort();
            var p = ProcessRunner.Start([Binary!, "-f", "-C", "-c", Path.Combine(dir.Path, "snmpd.conf"), "-Lf", Path.Combine(dir.Path, "snmpd.log"),
                $"--persistentDir={dir.Path}", $"udp:127.0.0.1:{port},udp6:[::1]:{port}" + (tcp ? $",tcp:127.0.0.1:{port},tcp6:[::1]:{port}" : "")], new Dictionary<string, string> { ["MIBS"] = "" });
            var deadline = Environment.TickCount64 + 15_000;
            while (!p.HasExited && Environment.TickCount64 < deadline)
            {
                var r = await ExternalTool.RunAsync("snmpget", "-v2c", "-c", community, "-t", "0.5", "-r", "0", $"udp:127.0.0.1:{port}", "1.3.6.1.2.1.1.5.0");
                if (r.ExitCode == 0) return new SnmpdProcess(p, dir, community, port);
            }
            if (!p.HasExited) p.Kill();
            p.Dispose();
        }
        var log = File.Exists(Path.Combine(dir.Path, "snmpd.log")) ? File.ReadAllText(Path.Combine(dir.Path, "snmpd.log")) : "";
        dir.Dispose();
        throw new InvalidOperationException($"snmpd did not start: {log}");
    }

    /// <summary>A UDP port free on both loopbacks a moment ago (snmpd binds it itself; a lost race is retried).</summary>
    private static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    public string Target(string transport) => transport == Transports.Udp6 ? $"udp6:[::1]:{Port}" : $"udp:127.0.0.1:{Port}";

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _dir.Dispose();
    }
}

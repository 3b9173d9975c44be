using System.Runtime.InteropServices;
using Sock.Tests.Support;

namespace Sock.Tests.Icmp;

/// <summary>
/// Network namespaces for the ping and traceroute tests: made with ip netns, named with this process's id and a
/// random tag so parallel runs never meet, deleted on dispose. Needs root.
/// </summary>
public static class IcmpNamespaces
{
    /// <summary>Why namespaces cannot be made here, or null when they can.</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux()) return "network namespaces are Linux only";
        if (geteuid() != 0) return "not root: ip netns needs CAP_NET_ADMIN";
        if (!ExternalTool.Exists("ip")) return "ip (iproute2) is not installed";
        return null;
    }

    /// <summary>A short tag unique to this run: p, then the pid and a random number in hex (fits interface names).</summary>
    /// <summary>The prefix that runs a command as nobody, without CAP_NET_RAW: ping's datagram socket instead of a raw one.</summary>
    public static readonly string[] AsNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=/tmp", "DOTNET_CLI_HOME=/tmp"];

    public static string NewTag() => $"p{Environment.ProcessId % 0x10000:x4}{Random.Shared.Next(0, 256):x2}";

    /// <summary>Runs a command and throws with its stderr when it fails.</summary>
    public static async Task MustAsync(params string[] args)
    {
        var r = await ProcessRunner.RunAsync(args, timeout: TimeSpan.FromSeconds(30));
        if (r.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', args)}: {r.Stderr.Trim()}");
    }

    /// <summary>Runs a command and returns what it did, failing or not.</summary>
    public static Task<SockRun> RunAsync(IReadOnlyList<string> args, TimeSpan? timeout = null) =>
        ProcessRunner.RunAsync(args, timeout: timeout ?? TimeSpan.FromSeconds(90));

    [DllImport("libc")]
    private static extern uint geteuid();
}

/// <summary>One namespace with only its loopback up: a private 127.0.0.1 with its own sysctls (ping_group_range, for one).</summary>
public sealed class LoopbackNamespace : IAsyncDisposable
{
    private LoopbackNamespace(string name) => Name = name;

    public string Name { get; }

    public static async Task<LoopbackNamespace> CreateAsync()
    {
        var ns = new LoopbackNamespace($"sock-ping-{IcmpNamespaces.NewTag()}");
        await IcmpNamespaces.MustAsync("ip", "netns", "add", ns.Name);
        try
        {
            await IcmpNamespaces.MustAsync("ip", "-n", ns.Name, "link", "set", "lo", "up");
        }
        catch
        {
            await ns.DisposeAsync();
            throw;
        }
        return ns;
    }

    /// <summary>The command line that runs <paramref name="command"/> inside.</summary>
    public string[] Exec(params string[] command) => ["ip", "netns", "exec", Name, .. command];

    public async ValueTask DisposeAsync() => await IcmpNamespaces.RunAsync(["ip", "netns", "del", Name]);
}

namespace Sock.Tests.Icmp;

/// <summary>
/// Four network namespaces in a line — client → r1 → r2 → server — joined by veth pairs, with IPv4 and IPv6 routes,
/// forwarding on in the two routers only, and ICMP rate limits off so every probe is answered. Nothing touches the
/// host's own interfaces. Links: 10.17.1.0/24 (client .2, r1 .1), 10.17.2.0/24 (r1 .1, r2 .2), 10.17.3.0/24 (r2 .1,
/// server .2), and fd17:1::/64, fd17:2::/64, fd17:3::/64 the same way. Seen from the client, the hops to the server
/// are 10.17.1.1, 10.17.2.2, 10.17.3.2 (fd17:1::1, fd17:2::2, fd17:3::2).
/// </summary>
public sealed class RouterChain : IAsyncLifetime
{
    private readonly string _tag = IcmpNamespaces.NewTag();

    public string? Unavailable { get; private set; }

    public string Client => $"sock-{_tag}-c";
    public string R1 => $"sock-{_tag}-r1";
    public string R2 => $"sock-{_tag}-r2";
    public string Server => $"sock-{_tag}-s";

    /// <summary>The server's interface (toward r2): where netem goes to disturb the replies.</summary>
    public string ServerLink => $"{_tag}s";

    /// <summary>r1's and r2's ends of the middle link: where its MTU is changed.</summary>
    public (string R1, string R2) MiddleLink => ($"{_tag}r1b", $"{_tag}r2a");

    public static string ServerAddress(string family) => family == "6" ? "fd17:3::2" : "10.17.3.2";

    public static string[] Hops(string family) => family == "6" ? ["fd17:1::1", "fd17:2::2", "fd17:3::2"] : ["10.17.1.1", "10.17.2.2", "10.17.3.2"];

    /// <summary>The command line that runs <paramref name="command"/> in the client namespace.</summary>
    public string[] InClient(params string[] command) => ["ip", "netns", "exec", Client, .. command];

    public async Task InitializeAsync()
    {
        Unavailable = IcmpNamespaces.Unavailable();
        if (Unavailable is not null) return;
        try
        {
            foreach (var ns in new[] { Client, R1, R2, Server })
            {
                await IcmpNamespaces.MustAsync("ip", "netns", "add", ns);
                await IcmpNamespaces.MustAsync("ip", "-n", ns, "link", "set", "lo", "up");
                // No duplicate address detection (addresses usable at once), no ICMP rate limits (every probe answered).
                await IcmpNamespaces.MustAsync("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0",
                    "net.ipv6.conf.default.accept_dad=0", "net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0");
                // No ICMP type under the global limit either (icmp_msgs_per_sec, randomised on recent kernels).
                await IcmpNamespaces.RunAsync(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.icmp_ratemask=0"]);
            }
            foreach (var router in new[] { R1, R2 })
                await IcmpNamespaces.MustAsync("ip", "netns", "exec", router, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1");
            await LinkAsync(Client, $"{_tag}c", R1, $"{_tag}r1a", 1, 2, 1);
            await LinkAsync(R1, $"{_tag}r1b", R2, $"{_tag}r2a", 2, 1, 2);
            await LinkAsync(R2, $"{_tag}r2b", Server, ServerLink, 3, 1, 2);
            await IcmpNamespaces.MustAsync("ip", "-n", Client, "route", "add", "default", "via", "10.17.1.1");
            await IcmpNamespaces.MustAsync("ip", "-n", Client, "-6", "route", "add", "default", "via", "fd17:1::1");
            await IcmpNamespaces.MustAsync("ip", "-n", R1, "route", "add", "10.17.3.0/24", "via", "10.17.2.2");
            await IcmpNamespaces.MustAsync("ip", "-n", R1, "-6", "route", "add", "fd17:3::/64", "via", "fd17:2::2");
            await IcmpNamespaces.MustAsync("ip", "-n", R2, "route", "add", "10.17.1.0/24", "via", "10.17.2.1");
            await IcmpNamespaces.MustAsync("ip", "-n", R2, "-6", "route", "add", "fd17:1::/64", "via", "fd17:2::1");
            await IcmpNamespaces.MustAsync("ip", "-n", Server, "route", "add", "default", "via", "10.17.3.1");
            await IcmpNamespaces.MustAsync("ip", "-n", Server, "-6", "route", "add", "default", "via", "fd17:3::1");
            // Neighbour discovery done before any test measures: one ping end to end per family.
            await IcmpNamespaces.RunAsync(InClient("ping", "-c", "1", "-W", "2", "10.17.3.2"));
            await IcmpNamespaces.RunAsync(InClient("ping", "-c", "1", "-W", "2", "fd17:3::2"));
        }
        catch (Exception ex)
        {
            Unavailable = $"could not build the namespace chain: {ex.Message}";
            await DisposeAsync();
        }
    }

    /// <summary>A veth pair from <paramref name="a"/> to <paramref name="b"/> on subnet <paramref name="net"/>, host numbers <paramref name="hostA"/> and <paramref name="hostB"/>.</summary>
    private static async Task LinkAsync(string a, string ifA, string b, string ifB, int net, int hostA, int hostB)
    {
        await IcmpNamespaces.MustAsync("ip", "link", "add", ifA, "netns", a, "type", "veth", "peer", "name", ifB, "netns", b);
        await IcmpNamespaces.MustAsync("ip", "-n", a, "addr", "add", $"10.17.{net}.{hostA}/24", "dev", ifA);
        await IcmpNamespaces.MustAsync("ip", "-n", b, "addr", "add", $"10.17.{net}.{hostB}/24", "dev", ifB);
        await IcmpNamespaces.MustAsync("ip", "-n", a, "-6", "addr", "add", $"fd17:{net}::{hostA}/64", "dev", ifA, "nodad");
        await IcmpNamespaces.MustAsync("ip", "-n", b, "-6", "addr", "add", $"fd17:{net}::{hostB}/64", "dev", ifB, "nodad");
        await IcmpNamespaces.MustAsync("ip", "-n", a, "link", "set", ifA, "up");
        await IcmpNamespaces.MustAsync("ip", "-n", b, "link", "set", ifB, "up");
    }

    public async Task DisposeAsync()
    {
        // Deleting a namespace deletes its veth ends, and with them their peers.
        foreach (var ns in new[] { Client, R1, R2, Server })
            await IcmpNamespaces.RunAsync(["ip", "netns", "del", ns]);
    }
}

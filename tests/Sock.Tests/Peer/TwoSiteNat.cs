using System.Net;
using System.Runtime.InteropServices;
using Sock.Tests.Support;

namespace Sock.Tests.Peer;

/// <summary>How a site's NAT picks the public port of a new flow.</summary>
public enum NatMapping
{
    /// <summary>
    /// nft `masquerade`: Linux keeps the private source port when that public tuple is free, so every destination
    /// sees one private port under the same public port — endpoint-independent mapping in practice (RFC 4787 §4.1).
    /// </summary>
    EndpointIndependent,

    /// <summary>nft `masquerade fully-random`: every new flow gets a random public port — a new mapping per destination (a "symmetric" NAT).</summary>
    PortRandomising,
}

/// <summary>
/// The hole-punching topology, built by the test in network namespaces and deleted in <see cref="DisposeAsync"/>:
/// a "public" namespace (a bridge with 203.0.113.1 and .2, for a rendezvous and a STUN server with two addresses), and
/// two sites, A and B, each a private host (10.1.0.2, 10.2.0.2) behind its own NAT namespace (public 203.0.113.10,
/// 203.0.113.20). Each NAT masquerades what leaves its public side (<see cref="NatMapping"/>) and, as a home router,
/// drops what arrives there unasked (only conntrack's established/related flows pass in), so an unsolicited SYN or
/// datagram is silently lost rather than answered with a reset or port-unreachable. Linux conntrack filters on the
/// whole remote address and port, so both NATs have address-and-port-dependent filtering. Every interface is made
/// inside the namespaces (nothing on the host); the addresses exist only there. Namespace names carry the pid and a
/// random number, so suites running at once never meet.
/// </summary>
public sealed class TwoSiteNat : IAsyncDisposable
{
    private readonly List<string> _namespaces = [];

    private TwoSiteNat(string tag) => Tag = tag;

    /// <summary>The unique part of every namespace name.</summary>
    public string Tag { get; }

    /// <summary>The public namespace (rendezvous, STUN server).</summary>
    public string Public => $"s19p-{Tag}";

    /// <summary>The public namespace's first address (the rendezvous').</summary>
    public static IPAddress PublicAddress { get; } = IPAddress.Parse("203.0.113.1");

    /// <summary>The public namespace's second address (a STUN server's alternate, a second destination).</summary>
    public static IPAddress PublicAddress2 { get; } = IPAddress.Parse("203.0.113.2");

    /// <summary>Site A's private host namespace.</summary>
    public string HostA => $"s19a-{Tag}";

    /// <summary>Site B's private host namespace.</summary>
    public string HostB => $"s19b-{Tag}";

    /// <summary>Site A's NAT namespace.</summary>
    public string NatA => $"s19na-{Tag}";

    /// <summary>Site B's NAT namespace.</summary>
    public string NatB => $"s19nb-{Tag}";

    /// <summary>Site A's private address.</summary>
    public static IPAddress PrivateA { get; } = IPAddress.Parse("10.1.0.2");

    /// <summary>Site B's private address.</summary>
    public static IPAddress PrivateB { get; } = IPAddress.Parse("10.2.0.2");

    /// <summary>Site A's NAT's public address.</summary>
    public static IPAddress NatPublicA { get; } = IPAddress.Parse("203.0.113.10");

    /// <summary>Site B's NAT's public address.</summary>
    public static IPAddress NatPublicB { get; } = IPAddress.Parse("203.0.113.20");

    /// <summary>Why the topology cannot be built here (not Linux, not root, no ip/nft), or null.</summary>
    public static string? Unavailable
    {
        get
        {
            if (!OperatingSystem.IsLinux()) return "network namespaces are Linux only";
            if (geteuid() != 0) return "not root: ip netns and nft need CAP_NET_ADMIN";
            foreach (var tool in new[] { "ip", "nft", "tc" })
                if (!ExternalTool.Exists(tool)) return $"{tool} is not installed";
            return null;
        }
    }

    /// <summary>Builds the topology with each site's NAT mapping as given.</summary>
    public static async Task<TwoSiteNat> CreateAsync(NatMapping siteA, NatMapping siteB)
    {
        var topology = new TwoSiteNat($"{Environment.ProcessId % 100000}-{Random.Shared.Next(0, 1 << 20):x5}");
        try
        {
            await topology.BuildAsync(siteA, siteB);
            return topology;
        }
        catch
        {
            await topology.DisposeAsync();
            throw;
        }
    }

    private async Task BuildAsync(NatMapping siteA, NatMapping siteB)
    {
        foreach (var ns in new[] { Public, NatA, HostA, NatB, HostB })
        {
            await Must("ip", "netns", "add", ns);
            _namespaces.Add(ns);
            await Must("ip", "-n", ns, "link", "set", "lo", "up");
        }
        await Must("ip", "-n", Public, "link", "add", "br0", "type", "bridge");
        await Must("ip", "-n", Public, "addr", "add", $"{PublicAddress}/24", "dev", "br0");
        await Must("ip", "-n", Public, "addr", "add", $"{PublicAddress2}/24", "dev", "br0");
        await Must("ip", "-n", Public, "link", "set", "br0", "up");
        await SiteAsync(NatA, HostA, "a0", NatPublicA, PrivateA, siteA);
        await SiteAsync(NatB, HostB, "b0", NatPublicB, PrivateB, siteB);
    }

    private async Task SiteAsync(string nat, string host, string bridgePort, IPAddress natPublic, IPAddress privateAddress, NatMapping mapping)
    {
        // The veth pairs are made inside the NAT namespace and their far ends moved straight into their namespaces.
        await Must("ip", "-n", nat, "link", "add", "wan", "type", "veth", "peer", "name", bridgePort, "netns", Public);
        await Must("ip", "-n", nat, "link", "add", "lan", "type", "veth", "peer", "name", "eth0", "netns", host);
        await Must("ip", "-n", Public, "link", "set", bridgePort, "master", "br0");
        await Must("ip", "-n", Public, "link", "set", bridgePort, "up");
        var gateway = Gateway(privateAddress);
        await Must("ip", "-n", nat, "addr", "add", $"{natPublic}/24", "dev", "wan");
        await Must("ip", "-n", nat, "addr", "add", $"{gateway}/24", "dev", "lan");
        await Must("ip", "-n", host, "addr", "add", $"{privateAddress}/24", "dev", "eth0");
        await Must("ip", "-n", nat, "link", "set", "wan", "up");
        await Must("ip", "-n", nat, "link", "set", "lan", "up");
        await Must("ip", "-n", host, "link", "set", "eth0", "up");
        await Must("ip", "-n", host, "route", "add", "default", "via", gateway.ToString());
        await Must("ip", "netns", "exec", nat, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        var masquerade = mapping == NatMapping.PortRandomising ? "masquerade fully-random" : "masquerade";
        var rules = $$"""
            table ip nat {
              chain post {
                type nat hook postrouting priority srcnat; policy accept;
                oifname "wan" {{masquerade}}
              }
            }
            table inet wall {
              chain input {
                type filter hook input priority filter; policy accept;
                iifname "wan" ct state established,related accept
                iifname "wan" drop
              }
              chain forward {
                type filter hook forward priority filter; policy accept;
                iifname "wan" ct state established,related accept
                iifname "wan" drop
              }
            }
            """;
        var r = await ProcessRunner.RunAsync(["ip", "netns", "exec", nat, "nft", "-f", "-"], rules + "\n");
        if (r.ExitCode != 0) throw new InvalidOperationException($"nft in {nat}: {r.Stderr.Trim()}");
    }

    private static IPAddress Gateway(IPAddress host)
    {
        var b = host.GetAddressBytes();
        b[3] = 1;
        return new IPAddress(b);
    }

    /// <summary>`ip netns exec NS`: the prefix that runs a command inside <paramref name="ns"/>.</summary>
    public static string[] In(string ns) => ["ip", "netns", "exec", ns];

    /// <summary>
    /// Random loss of <paramref name="percent"/> % of the packets to and from site <paramref name="host"/>, both ways:
    /// `tc netem loss` on the host's interface and on its NAT's private one; on a kernel built without netem
    /// (CONFIG_NET_SCH_NETEM unset, as on some CI and VM kernels) the same loss from nftables in the NAT's forward path
    /// (`numgen random mod 100 &lt; PERCENT drop`). Returns which was used.
    /// </summary>
    public async Task<string> AddLossAsync(string host, int percent)
    {
        var nat = host == HostA ? NatA : NatB;
        var r = await ProcessRunner.RunAsync(["ip", "netns", "exec", host, "tc", "qdisc", "add", "dev", "eth0", "root", "netem", "loss", $"{percent}%"]);
        if (r.ExitCode == 0)
        {
            await Must("ip", "netns", "exec", nat, "tc", "qdisc", "add", "dev", "lan", "root", "netem", "loss", $"{percent}%");
            return "netem";
        }
        if (!r.Stderr.Contains("qdisc kind is unknown", StringComparison.Ordinal)) throw new InvalidOperationException($"tc netem in {host}: {r.Stderr.Trim()}");
        var rules = $$"""
            table inet loss {
              chain forward {
                type filter hook forward priority filter - 10; policy accept;
                numgen random mod 100 < {{percent}} drop
              }
            }
            """;
        var n = await ProcessRunner.RunAsync(["ip", "netns", "exec", nat, "nft", "-f", "-"], rules + "\n");
        if (n.ExitCode != 0) throw new InvalidOperationException($"nft loss in {nat}: {n.Stderr.Trim()}");
        return "nft";
    }

    private static async Task Must(params string[] args)
    {
        var r = await ProcessRunner.RunAsync(args);
        if (r.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', args)}: {r.Stderr.Trim()}");
    }

    /// <summary>Deletes every namespace (their interfaces, rules and qdiscs go with them).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var ns in _namespaces) await ProcessRunner.RunAsync(["ip", "netns", "del", ns]);
        _namespaces.Clear();
    }

    [DllImport("libc")]
    private static extern uint geteuid();
}

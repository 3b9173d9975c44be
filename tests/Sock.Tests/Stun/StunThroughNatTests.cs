using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sock.Tests.Support;

namespace Sock.Tests.Stun;

/// <summary>
/// A NAT the test builds: a "public" namespace, a NAT namespace masquerading (nftables) for a private namespace behind
/// it. Addresses are 10.77.N.0/24 (public side) and 10.78.N.0/24 (private side) inside these namespaces only; nothing
/// is routed to the host's interfaces. Names carry the pid and a random number; Dispose deletes the namespaces.
/// </summary>
internal sealed class NatLab : IAsyncDisposable
{
    private readonly List<string> _namespaces = [];

    public required string Public { get; init; }
    public required string Nat { get; init; }
    public required string Private { get; init; }
    public required IPAddress ServerAddress { get; init; }
    public required IPAddress NatPublicAddress { get; init; }
    public required IPAddress PrivateAddress { get; init; }

    public static async Task<NatLab> CreateAsync()
    {
        var n = Random.Shared.Next(1, 250);
        var tag = $"{Environment.ProcessId % 10000}{n}";
        var lab = new NatLab
        {
            Public = $"sock19-pub-{tag}", Nat = $"sock19-nat-{tag}", Private = $"sock19-prv-{tag}",
            ServerAddress = IPAddress.Parse($"10.77.{n}.1"), NatPublicAddress = IPAddress.Parse($"10.77.{n}.2"),
            PrivateAddress = IPAddress.Parse($"10.78.{n}.2"),
        };
        try
        {
            foreach (var ns in new[] { lab.Public, lab.Nat, lab.Private })
            {
                await Must("ip", "netns", "add", ns);
                lab._namespaces.Add(ns);
                await Must("ip", "-n", ns, "link", "set", "lo", "up");
            }
            // Both veth pairs are made inside the NAT namespace, so no interface ever exists on the host.
            var pubIf = $"v{tag}p";
            var prvIf = $"v{tag}q";
            await Must("ip", "-n", lab.Nat, "link", "add", pubIf, "type", "veth", "peer", "name", "up0", "netns", lab.Public);
            await Must("ip", "-n", lab.Nat, "link", "add", prvIf, "type", "veth", "peer", "name", "down0", "netns", lab.Private);
            await Must("ip", "-n", lab.Public, "addr", "add", $"{lab.ServerAddress}/24", "dev", "up0");
            await Must("ip", "-n", lab.Nat, "addr", "add", $"{lab.NatPublicAddress}/24", "dev", pubIf);
            await Must("ip", "-n", lab.Nat, "addr", "add", $"10.78.{n}.1/24", "dev", prvIf);
            await Must("ip", "-n", lab.Private, "addr", "add", $"{lab.PrivateAddress}/24", "dev", "down0");
            foreach (var (ns, dev) in new[] { (lab.Public, "up0"), (lab.Nat, pubIf), (lab.Nat, prvIf), (lab.Private, "down0") })
                await Must("ip", "-n", ns, "link", "set", dev, "up");
            await Must("ip", "-n", lab.Private, "route", "add", "default", "via", $"10.78.{n}.1");
            await Must("ip", "netns", "exec", lab.Nat, "sysctl", "-qw", "net.ipv4.ip_forward=1");
            var r = await ProcessRunner.RunAsync(["ip", "netns", "exec", lab.Nat, "nft", "-f", "-"],
                $"table ip nat {{\n chain post {{\n  type nat hook postrouting priority srcnat; policy accept;\n  oifname \"{pubIf}\" masquerade\n }}\n}}\n");
            if (r.ExitCode != 0) throw new InvalidOperationException($"nft: {r.Stderr}");
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    public string[] In(string ns) => ["ip", "netns", "exec", ns];

    private static async Task Must(params string[] args)
    {
        var r = await ProcessRunner.RunAsync(args);
        if (r.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', args)}: {r.Stderr.Trim()}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var ns in _namespaces) await ProcessRunner.RunAsync(["ip", "netns", "del", ns]);
    }
}

public class StunThroughNatTests
{
    [Fact]
    public async Task behind_a_masquerading_nat_the_mapped_address_is_the_nats_public_one_as_stund_sees_it()
    {
        Assert.True(Coturn.Installed, "coturn (turnserver) is needed for this test");
        Assert.True(ExternalTool.Exists("stun"), "Debian's stun-client is needed for this test");
        Assert.True(ExternalTool.Exists("nft") && ExternalTool.Exists("ip"), "ip and nft are needed for this test");
        await using var lab = await NatLab.CreateAsync();
        await using var coturn = await Coturn.StartAsync([lab.ServerAddress], netns: lab.Public, port: 3478);
        var run = await ProcessRunner.RunAsync(SockRunner.Command(["stun", "--json", "-w", "10s", $"{lab.ServerAddress}:{coturn.Port}"], lab.In(lab.Private)));
        Assert.True(run.ExitCode == 0, run.ToString());
        using var doc = JsonDocument.Parse(run.Stdout);
        var mapped = doc.RootElement.GetProperty("mapped").GetString()!;
        Assert.StartsWith($"{lab.NatPublicAddress}:", mapped);
        Assert.StartsWith($"{lab.PrivateAddress}:", doc.RootElement.GetProperty("local").GetString());
        Assert.True(doc.RootElement.GetProperty("behindNat").GetBoolean());

        var stund = await ProcessRunner.RunAsync([.. lab.In(lab.Private), "stun", $"{lab.ServerAddress}:{coturn.Port}", "1", "-v"], timeout: TimeSpan.FromSeconds(30));
        var seen = Regex.Match(stund.Stdout + stund.Stderr, @"MappedAddress = ([0-9.]+):(\d+)");
        Assert.True(seen.Success, stund.ToString());
        Assert.Equal(lab.NatPublicAddress.ToString(), seen.Groups[1].Value);
        _ = int.Parse(seen.Groups[2].Value, CultureInfo.InvariantCulture);
    }
}

using System.Net;
using System.Net.Sockets;
using Sock.Tests.Support;
using Xunit.Abstractions;

namespace Sock.Tests.Scanning;

/// <summary>
/// sock scan against the real nmap -sT, on the same ports in the same run. Each test makes its own network namespace
/// (its own loopback, and a veth pair to a /30 of 10.231.0.0/16), so the full-range scans touch no one else's
/// listeners; when namespaces cannot be made the full-range tests fall back to the host's loopback and say so.
/// </summary>
public class ScanVersusNmapTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("127.0.0.1", "epoll")]
    [InlineData("::1", "epoll")]
    [InlineData("127.0.0.1", "portable")]
    public async Task full_range_open_ports_equal_nmaps(string loopback, string engine)
    {
        if (!ExternalTool.Exists("nmap"))
        {
            output.WriteLine("skipped: nmap is not installed");
            return;
        }
        var address = IPAddress.Parse(loopback);
        var (ns, why) = await ScanNamespace.TryCreateAsync();
        if (ns is null)
        {
            output.WriteLine($"no namespace ({why}): comparing on the host's loopback instead");
            await CompareOnHostLoopbackAsync(address);
            return;
        }
        await using (ns)
        {
            // Known ports (a namespace of our own has no one else on them) and ports the kernel picks.
            var listening = new SortedSet<int>();
            foreach (var port in new[] { 22, 80, 443, 8080, 65535, 0, 0, 0 })
                listening.Add(ns.Listen(new IPEndPoint(address, port)));
            var family = address.AddressFamily == AddressFamily.InterNetworkV6 ? "-6" : "-4";
            var nmap = await ScanNamespace.RunAsync(ns.Exec("nmap", "-sT", family == "-6" ? "-6" : "-4", "-n", "-Pn", "-p-", "-oX", "-", loopback));
            Assert.True(nmap.ExitCode == 0, nmap.Stderr);
            var sock = await ScanNamespace.RunAsync(ns.Exec([.. SockRunner.Executable, "scan", loopback, "-p", "-", "--engine", engine, "--json"]));
            Assert.True(sock.ExitCode == 0, sock.Stderr);
            output.WriteLine($"nmap {nmap.Elapsed.TotalSeconds:0.00}s, sock ({engine}) {sock.Elapsed.TotalSeconds:0.00}s");
            var nmapOpen = PortVerdicts.OpenFromNmapXml(nmap.Stdout);
            var sockOpen = PortVerdicts.OpenFromSockJson(sock.Stdout);
            Assert.True(nmapOpen.SetEquals(sockOpen),
                $"only nmap: [{string.Join(',', nmapOpen.Except(sockOpen))}], only sock: [{string.Join(',', sockOpen.Except(nmapOpen))}]");
            Assert.Equal(listening, sockOpen);
        }
    }

    /// <summary>
    /// Without a namespace, other programs may open and close listeners on the host while the scans run: nmap runs
    /// before and after sock, and sock must find every port both nmap runs found and none that neither did.
    /// </summary>
    private async Task CompareOnHostLoopbackAsync(IPAddress address)
    {
        var listeners = Enumerable.Range(0, 4).Select(_ =>
        {
            var s = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(address, 0));
            s.Listen(64);
            return s;
        }).ToList();
        try
        {
            var six = address.AddressFamily == AddressFamily.InterNetworkV6 ? "-6" : "-4";
            var before = await ScanNamespace.RunAsync(["nmap", "-sT", six, "-n", "-Pn", "-p-", "-oX", "-", address.ToString()]);
            var sock = await ScanNamespace.RunAsync([.. SockRunner.Executable, "scan", address.ToString(), "-p", "-", "--json"]);
            var after = await ScanNamespace.RunAsync(["nmap", "-sT", six, "-n", "-Pn", "-p-", "-oX", "-", address.ToString()]);
            var a = PortVerdicts.OpenFromNmapXml(before.Stdout);
            var b = PortVerdicts.OpenFromNmapXml(after.Stdout);
            var s = PortVerdicts.OpenFromSockJson(sock.Stdout);
            Assert.Empty(a.Intersect(b).Except(s));
            Assert.Empty(s.Except(a.Union(b)));
            foreach (var l in listeners) Assert.Contains(((IPEndPoint)l.LocalEndPoint!).Port, s);
        }
        finally
        {
            foreach (var l in listeners) l.Dispose();
        }
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("portable")]
    public async Task filtered_closed_and_open_match_nmap_port_by_port(string engine)
    {
        if (!ExternalTool.Exists("nmap"))
        {
            output.WriteLine("skipped: nmap is not installed");
            return;
        }
        var (ns, why) = await ScanNamespace.TryCreateAsync();
        if (ns is null)
        {
            output.WriteLine($"skipped: {why}");
            return;
        }
        await using (ns)
        {
            // Six ports per treatment: dropped SYNs, RST, and the ICMP unreachables a firewall can send back.
            await ns.ApplyNftAsync("""
                table inet sockscan {
                  chain input {
                    type filter hook input priority 0; policy accept;
                    tcp dport 2000-2005 drop
                    tcp dport 2010-2015 reject with tcp reset
                    tcp dport 2020-2025 reject with icmp type host-unreachable
                    tcp dport 2030-2035 reject with icmp type admin-prohibited
                    tcp dport 2040-2045 reject with icmp type port-unreachable
                    tcp dport 2050-2055 reject with icmp type net-unreachable
                  }
                }
                """);
            var open = new[] { ns.Listen(new IPEndPoint(ns.Inside, 2060)), ns.Listen(new IPEndPoint(ns.Inside, 2061)) };
            var ports = "2000-2005,2010-2015,2020-2025,2030-2035,2040-2045,2050-2055,2060-2065";
            var nmap = await ScanNamespace.RunAsync(["nmap", "-sT", "-n", "-Pn", "-p", ports, "-oX", "-", ns.Inside.ToString()]);
            Assert.True(nmap.ExitCode == 0, nmap.Stderr);
            var sock = await ScanNamespace.RunAsync([.. SockRunner.Executable, "scan", ns.Inside.ToString(), "-p", ports, "--engine", engine, "--all", "--json"]);
            Assert.True(sock.ExitCode == 0, sock.Stderr);
            output.WriteLine($"nmap {nmap.Elapsed.TotalSeconds:0.00}s, sock ({engine}) {sock.Elapsed.TotalSeconds:0.00}s");
            var expected = PortVerdicts.FromNmapXml(nmap.Stdout);
            var actual = PortVerdicts.FromSockJson(sock.Stdout);
            Assert.Equal(42, expected.Count);
            foreach (var (port, verdict) in expected.OrderBy(kv => kv.Key))
            {
                Assert.True(actual.TryGetValue(port, out var mine), $"sock has no verdict for {port}");
                Assert.True(verdict.State == mine.State, $"port {port}: nmap {verdict.State} ({verdict.Reason}), sock {mine.State} ({mine.Reason})");
                Assert.True(verdict.Reason == mine.Reason, $"port {port}: nmap's reason {verdict.Reason}, sock's {mine.Reason}");
            }
            // And the verdicts are the ones the rules call for, so the comparison is not between two wrong answers.
            Assert.Equal(("filtered", "no-response"), actual[2000]);
            Assert.Equal(("closed", "conn-refused"), actual[2010]);
            Assert.Equal(("filtered", "host-unreach"), actual[2020]);
            Assert.Equal(("open", "syn-ack"), actual[open[0]]);
            Assert.Equal(("closed", "conn-refused"), actual[2065]);
        }
    }
    [Fact]
    public async Task the_not_shown_line_breaks_ports_down_by_reason_as_nmaps_does()
    {
        if (!ExternalTool.Exists("nmap"))
        {
            output.WriteLine("skipped: nmap is not installed");
            return;
        }
        var (ns, why) = await ScanNamespace.TryCreateAsync();
        if (ns is null)
        {
            output.WriteLine($"skipped: {why}");
            return;
        }
        await using (ns)
        {
            // 30 silent ports and 2 that answer host-unreachable: nmap sums both up as filtered, by reason.
            await ns.ApplyNftAsync("""
                table inet sockscan {
                  chain input {
                    type filter hook input priority 0; policy accept;
                    tcp dport 2100-2129 drop
                    tcp dport 2130-2131 reject with icmp type host-unreachable
                  }
                }
                """);
            var open = ns.Listen(new IPEndPoint(ns.Inside, 2132));
            const string ports = "2100-2132";
            var nmap = await ScanNamespace.RunAsync(["nmap", "-sT", "-n", "-Pn", "-p", ports, ns.Inside.ToString()]);
            Assert.True(nmap.ExitCode == 0, nmap.Stderr);
            var sock = await ScanNamespace.RunAsync([.. SockRunner.Executable, "scan", ns.Inside.ToString(), "-p", ports]);
            Assert.True(sock.ExitCode == 0, sock.Stderr);
            output.WriteLine(nmap.Stdout);
            output.WriteLine(sock.Stdout);
            static string NotShown(string text) => text.Split('\n').Single(l => l.StartsWith("Not shown: ", StringComparison.Ordinal)).Trim();
            Assert.Equal("Not shown: 30 filtered tcp ports (no-response), 2 filtered tcp ports (host-unreach)", NotShown(nmap.Stdout));
            Assert.Equal(NotShown(nmap.Stdout), NotShown(sock.Stdout));
            Assert.Matches($@"(?m)^{open}/tcp\s+open\s", sock.Stdout);
        }
    }
}

using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Sock.Tests.Netcat;
using Sock.Tests.Proxies;
using Sock.Tests.Support;

namespace Sock.Tests.Forwarding;

/// <summary>
/// `sock forward --proxy`: the target leg goes through a real proxy from Debian — dante (SOCKS5), microsocks (SOCKS5
/// with RFC 1929 credentials) and tinyproxy (HTTP CONNECT with Basic credentials) — with connect's proxy options, over
/// IPv4 and IPv6 loopback (the proxies listen on TCP only). A proxy's refusal is a logged refusal of that client, and
/// the forwarder goes on serving.
/// </summary>
public sealed class ForwardProxyTests
{
    public static TheoryData<string, string> PeersOverTcp()
    {
        var data = new TheoryData<string, string>();
        foreach (var peer in new[] { "danted", "microsocks-auth", "tinyproxy-basic" })
            foreach (var transport in new[] { Transports.Tcp4, Transports.Tcp6 })
                data.Add(peer, transport);
        return data;
    }

    [Theory]
    [MemberData(nameof(PeersOverTcp))]
    public async Task forward_through_a_real_proxy_keeps_the_greeting_and_16_MiB_intact(string peer, string transport)
    {
        using var dir = new TempDirectory("sock-fwd-proxy-");
        var data = RandomNumberGenerator.GetBytes(16 << 20);
        // microsocks closes both ways at a FIN: the client keeps its side open and the target ends the session once all
        // of it is echoed (so the same body holds for every proxy).
        using var target = new TalkFirstTarget(transport, closeAfter: data.Length);
        await using var proxy = await ProxyPeer.StartAsync(peer, transport);
        await using var forward = await ForwardProcess.StartAsync([ForwardPeers.ListenSpelling(transport, dir), TargetOf(target), "-v", .. ProxyArgs(proxy)]);
        // The proxy is named where the forwarder says what it does (without the password).
        var listening = await forward.Process.WaitForStderrAsync(@"^forward: listening on .* through (\S+)$");
        Assert.Contains(proxy.Address, listening.Groups[1].Value, StringComparison.Ordinal);
        Assert.DoesNotContain(ProxyPeer.Password, string.Join("\n", forward.Process.StderrLines), StringComparison.Ordinal);

        using var c = await forward.ConnectAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var reading = Task.Run(async () =>
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[256 * 1024];
            long total = 0;
            int n;
            while ((n = await c.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0)
            {
                sha.AppendData(buffer, 0, n);
                total += n;
            }
            return (total, Convert.ToHexStringLower(sha.GetHashAndReset()));
        });
        // The target leg is a connection to the proxy, not to the target: the kernel's table says where the leg's socket
        // (its local address is in the opened line) is connected.
        var opened = await forward.Process.WaitForStderrAsync(@"^#1 opened .* \(from \S+:(\d+), fd \d+\)$", 30);
        var legPort = int.Parse(opened.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var kind = transport == Transports.Tcp6 ? Sock.Core.Inspection.SocketKinds.Tcp6 : Sock.Core.Inspection.SocketKinds.Tcp4;
        var leg = new Sock.Core.Inspection.ProcNetReader().Read(kind).Where(r => r.LocalPort == legPort).ToList();
        // (Linux reuses a local port towards another destination — the proxy's own connection to the target may have it
        // too: the row to the proxy is the one that counts.)
        Assert.True(leg.Any(r => r.PeerPort == proxy.Port),
            $"the leg from port {legPort} goes to {string.Join(", ", leg.Select(r => r.PeerPort))}, not the proxy's {proxy.Port}");
        for (var at = 0; at < data.Length; at += 1 << 20)
            await c.SendAsync(data.AsMemory(at, 1 << 20), SocketFlags.None, cts.Token);
        var (length, hash) = await reading;
        Assert.True(TalkFirstTarget.Greeting.Length + data.Length == length,
            $"{length} bytes came back; forward: {string.Join(" | ", forward.Process.StderrLines)}; proxy: {proxy.Log}");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([.. TalkFirstTarget.Greeting, .. data])), hash);
        // The client ends its side too, and the session's close line counts what went each way.
        c.Shutdown(SocketShutdown.Send);
        await forward.Process.WaitForStderrAsync($@"^#1 closed .*: {data.Length} bytes to target, {TalkFirstTarget.Greeting.Length + data.Length} bytes to client, ", 30);
        Assert.Equal(1, Volatile.Read(ref target.Connections));
    }

    public static TheoryData<string, string, string, string> Refusals()
    {
        var data = new TheoryData<string, string, string, string>();
        foreach (var t in new[] { Transports.Tcp4, Transports.Tcp6 })
        {
            data.Add(t, "microsocks", "closed-port", "SOCKS5 proxy {proxy} refused the connection to {target}: connection refused (reply 5)");
            data.Add(t, "danted", "blocked-port", "SOCKS5 proxy {proxy} refused the connection to {target}: connection not allowed by ruleset (reply 2)");
            data.Add(t, "tinyproxy-basic", "wrong-password", "HTTP proxy {proxy} refused the connection to {target}: 401 Unauthorized: the user name and password of alice were refused");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task a_proxys_refusal_is_a_logged_refusal_of_that_client_and_forward_keeps_serving(string transport, string peer, string what, string expected)
    {
        using var dir = new TempDirectory("sock-fwd-proxy-");
        // A port with nothing behind it (the target of the first clients, until it is bound below).
        var (endpoint, port, _) = ForwardPeers.Reserve(transport, dir);
        using var working = new TalkFirstTarget(transport, closeAfter: "again\n".Length);
        var destinationPort = what == "wrong-password" ? working.Port : port;
        await using var proxy = await ProxyPeer.StartAsync(peer, transport, danteBlockedPort: what == "blocked-port" ? port : null);
        var host = transport == Transports.Tcp6 ? "::1" : "127.0.0.1";
        var targetText = transport == Transports.Tcp6 ? $"[{host}]:{destinationPort}" : $"{host}:{destinationPort}";
        string[] proxyArgs = what == "wrong-password"
            ? ["--proxy", proxy.Address, "--proxy-type", "http", "--proxy-auth", $"{proxy.UserName}:wrong"]
            : ["--proxy", proxy.Url];
        // --retry: a proxy's "not allowed" (its rules, credentials) is not retried, a refused connect is.
        string[] retry = what == "closed-port" ? [] : ["--retry", "3", "--retry-delay", "100ms"];
        await using var forward = await ForwardProcess.StartAsync([ForwardPeers.ListenSpelling(transport, dir), $"tcp:{targetText}", "-v", .. proxyArgs, .. retry]);

        foreach (var id in new[] { 1, 2 })
        {
            using var c = await forward.ConnectAsync();
            Assert.True(await ForwardProcess.ClosedAsync(c), "the refused client was sent bytes");
            var line = await forward.Process.WaitForStderrAsync($@"^#{id} refused \S+: (.*)$", 30);
            Assert.Equal(expected.Replace("{proxy}", proxy.Address).Replace("{target}", targetText), line.Groups[1].Value);
        }
        Assert.DoesNotContain(forward.Process.StderrLines, l => l.Contains("attempt", StringComparison.Ordinal));
        Assert.False(forward.Process.Process.HasExited);

        if (what == "closed-port")
        {
            // The target comes up: the next client is served through the same proxy by the same forwarder.
            using var target = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            target.Bind(endpoint);
            target.Listen();
            using var c = await forward.ConnectAsync();
            await c.SendAsync("again\n"u8.ToArray());
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var accepted = await target.AcceptAsync(cts.Token);
            Assert.Equal("again\n", await Net.ReadUntilAsync(accepted, "\n", 30));
            await forward.Process.WaitForStderrAsync(@"^#3 opened ", 30);
        }
    }

    private static string TargetOf(TalkFirstTarget target) => target.Host.Contains(':') ? $"tcp:[{target.Host}]:{target.Port}" : $"tcp:{target.Host}:{target.Port}";

    /// <summary>connect's proxy options, both spellings: HTTP credentials as --proxy-auth, SOCKS5 ones in the URL.</summary>
    private static string[] ProxyArgs(ProxyPeer proxy) => proxy.Scheme == "http" && proxy.WantsCredentials
        ? ["--proxy", proxy.Address, "--proxy-type", "http", "--proxy-auth", $"{proxy.UserName}:{proxy.UserPassword}"]
        : ["--proxy", proxy.Url];
}

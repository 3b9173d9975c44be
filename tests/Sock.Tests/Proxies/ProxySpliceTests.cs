using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Sock.Tests.Forwarding;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Proxies;

/// <summary>
/// `sock proxy` on Linux splices a session's two sockets once the handshake is done: --trace shows the splice(2) calls (so
/// the fast path cannot silently fall back), the bytes sent in the same write as the request still arrive first, and the
/// echo comes back intact; --no-splice copies instead. The other proxy tests check the behaviour, unchanged.
/// </summary>
public sealed class ProxySpliceTests
{
    private const int Size = 4 << 20;

    public static TheoryData<string> Ip => new() { Transports.Tcp4, Transports.Tcp6 };

    [Theory]
    [MemberData(nameof(Ip))]
    public async Task a_socks5_session_is_spliced_after_the_handshake_and_the_trace_shows_it(string transport)
    {
        if (!OperatingSystem.IsLinux()) return; // splice(2) is Linux's: elsewhere every session is copied
        var trace = await EchoThroughAsync(transport, "--trace");
        Assert.Contains(trace, l => l.Contains("splice(", StringComparison.Ordinal) && l.Contains("SPLICE_F_MOVE|SPLICE_F_NONBLOCK", StringComparison.Ordinal));
    }

    [Fact]
    public async Task no_splice_copies_the_session()
    {
        var trace = await EchoThroughAsync(Transports.Tcp4, "--trace", "--no-splice");
        Assert.DoesNotContain(trace, l => l.Contains("splice(", StringComparison.Ordinal));
    }

    /// <summary>A SOCKS5 CONNECT to an echo target with bytes in the request's own write, then 4 MiB each way; the proxy's stderr.</summary>
    private static async Task<IReadOnlyList<string>> EchoThroughAsync(string transport, params string[] options)
    {
        await using var echo = EchoTarget.Start(transport);
        var target = (IPEndPoint)echo.EndPoint;
        var loopback = transport == Transports.Tcp6 ? "[::1]" : "127.0.0.1";
        var (proxy, address) = await ProxyCommandTests.StartAsync($"{loopback}:0", ["-v", .. options]);
        await using var _ = proxy;
        using var client = await Socks5Bytes.ConnectAsync(address);
        await using var stream = new NetworkStream(client);
        Assert.Equal(0, await Socks5Bytes.GreetAsync(stream));
        var data = RandomNumberGenerator.GetBytes(Size);
        // The request and the first bytes in one write: they are the destination's, read with the handshake.
        await stream.WriteAsync((byte[])[.. Socks5Bytes.Request(1, target.Address.ToString(), target.Port), .. data.AsSpan(0, 1000)]);
        var (code, _) = await Socks5Bytes.ReadReplyAsync(stream);
        Assert.Equal(0, code);
        var reading = Net.ReadToEndAsync(client, TimeSpan.FromSeconds(60));
        for (var at = 1000; at < data.Length; at += 1 << 16) await client.SendAsync(data.AsMemory(at, Math.Min(1 << 16, data.Length - at)));
        client.Shutdown(SocketShutdown.Send);
        var echoed = await reading;
        Assert.Equal(Convert.ToHexString(SHA256.HashData(data)), Convert.ToHexString(SHA256.HashData(echoed)));
        // The session's line: everything counted, both ways.
        await proxy.WaitForStderrAsync($@"up {Size} bytes, down {Size} bytes in \d+\.\d{{3}}s: closed$", 30);
        return proxy.StderrLines;
    }
}

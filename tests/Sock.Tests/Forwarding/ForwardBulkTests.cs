using System.Net;
using System.Security.Cryptography;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Forwarding;

/// <summary>
/// 64 MiB each way at once through `sock forward`, with socat, ncat and `sock connect`/`sock listen` as the client and
/// the server (the same tool at both ends), over TCP/IPv4, TCP/IPv6 and Unix sockets: both SHA-256s intact, and each end
/// sees the other's end of stream (the forwarder passes each FIN on).
/// </summary>
public sealed class ForwardBulkTests
{
    private const int Size = 64 << 20;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var peer in new[] { "socat", "ncat", "sock" })
            foreach (var t in new[] { Transports.Tcp4, Transports.Tcp6, Transports.Unix })
                data.Add(peer, t);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task sixty_four_mebibytes_each_way_arrive_intact(string peer, string transport)
    {
        Assert.True(peer == "sock" || ExternalTool.Exists(peer), $"{peer} is needed for this test");
        using var dir = new TempDirectory("sock-fwd-bulk-");
        var (endpoint, port, path) = ForwardPeers.Reserve(transport, dir);
        var toClient = RandomNumberGenerator.GetBytes(Size);
        var toServer = RandomNumberGenerator.GetBytes(Size);

        await using var server = Server(peer, transport, port, path);
        await Net.WaitListeningAsync(transport, port, path);
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir), ForwardPeers.TargetSpelling(endpoint));
        await using var client = Client(peer, forward.Bound);

        if (peer == "ncat")
        {
            // ncat exits at its socket's EOF without reading the rest of its stdin: the first side to end would cut the
            // other short. So both are fed, both copies are seen to arrive, and only then does the client end.
            await Task.WhenAll(Feed(server, toClient, close: false), Feed(client, toServer, close: false)).WaitAsync(TimeSpan.FromSeconds(120));
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while ((client.StdoutLengthSoFar < Size || server.StdoutLengthSoFar < Size) && DateTime.UtcNow < deadline) await Task.Delay(50);
            client.CloseStdin();
        }
        else
        {
            // Both sides read their stdin as they send: fed alongside, and closed at its end (the FIN that goes through).
            await Task.WhenAll(Feed(server, toClient), Feed(client, toServer)).WaitAsync(TimeSpan.FromSeconds(120));
        }
        Assert.Equal(0, await client.WaitForExitAsync(120));
        Assert.Equal(0, await server.WaitForExitAsync(60));
        var (_, clientSha, clientLength) = await client.Stdout;
        var (_, serverSha, serverLength) = await server.Stdout;
        Assert.Equal((Size, Hash(toClient)), (clientLength, clientSha));
        Assert.Equal((Size, Hash(toServer)), (serverLength, serverSha));
    }

    private static async Task Feed(RunningProcess p, byte[] data, bool close = true)
    {
        for (var at = 0; at < data.Length; at += 1 << 20) await p.Stdin.WriteAsync(data.AsMemory(at, 1 << 20));
        if (close) p.CloseStdin();
        else await p.Stdin.FlushAsync();
    }

    private static string Hash(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private static RunningProcess Server(string peer, string transport, int port, string? path)
    {
        var p = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var host = transport == Transports.Tcp6 ? "::1" : "127.0.0.1";
        return peer switch
        {
            // -t: after one direction ends, wait for the other (socat's default 0.5 s would cut it short).
            "socat" => RunningProcess.Tool("socat", true, "-t", "60", "-b", "262144", transport switch
            {
                Transports.Unix => $"UNIX-LISTEN:{path}",
                Transports.Tcp6 => $"TCP6-LISTEN:{p},bind=[::1],reuseaddr",
                _ => $"TCP4-LISTEN:{p},bind=127.0.0.1,reuseaddr",
            }, "STDIO"),
            "ncat" => transport == Transports.Unix ? RunningProcess.Tool("ncat", true, "-lU", path!) : RunningProcess.Tool("ncat", true, "-l", host, p),
            _ => transport == Transports.Unix
                ? RunningProcess.SockHashed("listen", "-U", path!)
                : RunningProcess.SockHashed("listen", host, p),
        };
    }

    private static RunningProcess Client(string peer, EndPoint forward)
    {
        var (host, port, path) = forward switch
        {
            IPEndPoint ip => (ip.Address.ToString(), ip.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)null),
            var u => ((string?)null, (string?)null, u.ToString()),
        };
        return peer switch
        {
            "socat" => RunningProcess.Tool("socat", true, "-t", "60", "-b", "262144", "STDIO",
                path is not null ? $"UNIX-CONNECT:{path}" : host!.Contains(':') ? $"TCP6:[{host}]:{port}" : $"TCP4:{host}:{port}"),
            "ncat" => path is not null ? RunningProcess.Tool("ncat", true, "-U", path) : RunningProcess.Tool("ncat", true, host!, port!),
            _ => path is not null ? RunningProcess.SockHashed("connect", "-U", path) : RunningProcess.SockHashed("connect", host!, port!),
        };
    }
}

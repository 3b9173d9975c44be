using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Core.Connections;
using Sock.Core.Proxies;
using Sock.Core.Serving;
using Sock.Tests.Support;

namespace Sock.Tests.Proxies;

/// <summary>
/// A proxy under test (<see cref="ProxyServer"/>, in process) and a target behind it (a <see cref="SocketServer"/>):
/// the target answers HTTP requests with the request head it received (so a test sees what the proxy forwarded), and
/// anything else by echoing it until end of stream, then "bytes=N\n" and its own close (so a test sees half-close pass).
/// </summary>
public sealed class ProxyHarness : IAsyncDisposable
{
    private readonly SocketServer _target;
    private readonly List<ProxySession> _ended = [];

    private ProxyHarness(ProxyServer proxy, SocketServer target, EndPoint proxyEnd, IPEndPoint targetEnd, Observer observer)
    {
        Proxy = proxy;
        _target = target;
        ProxyEndPoint = proxyEnd;
        TargetEndPoint = targetEnd;
        observer.Ended = s => { lock (_ended) _ended.Add(s); };
    }

    public ProxyServer Proxy { get; }
    public EndPoint ProxyEndPoint { get; }
    public IPEndPoint TargetEndPoint { get; }

    /// <summary>The proxy as a client names it: 127.0.0.1:N, [::1]:N.</summary>
    public string ProxyAddress => ProxyEndPoint is IPEndPoint ip ? (ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip.Address}]:{ip.Port}" : $"{ip.Address}:{ip.Port}") : ProxyEndPoint.ToString()!;

    /// <summary>The target as a URL host:port.</summary>
    public string TargetAddress => TargetEndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{TargetEndPoint.Address}]:{TargetEndPoint.Port}" : $"{TargetEndPoint.Address}:{TargetEndPoint.Port}";

    /// <summary>Sessions that have ended so far.</summary>
    public IReadOnlyList<ProxySession> Ended
    {
        get { lock (_ended) return [.. _ended]; }
    }

    /// <summary>Waits (at most 10 s) until <paramref name="count"/> sessions have ended; returns them.</summary>
    public async Task<IReadOnlyList<ProxySession>> EndedAsync(int count = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Ended.Count < count && DateTime.UtcNow < deadline) await Task.Delay(20);
        return Ended;
    }

    /// <summary>
    /// A proxy listening for <paramref name="transport"/> (tcp4, tcp6, unix) with <paramref name="options"/>, and a
    /// target of the same family (IPv4 for unix).
    /// </summary>
    public static async Task<ProxyHarness> StartAsync(string transport, ProxyServerOptions? options = null, AdmissionFilter? admit = null, bool? targetV6 = null)
    {
        var target = new SocketServer();
        var targetBind = (targetV6 ?? transport == Transports.Tcp6) ? new IPEndPoint(IPAddress.IPv6Loopback, 0) : new IPEndPoint(IPAddress.Loopback, 0);
        var targetEnd = (IPEndPoint)target.ListenStream("target", targetBind, TargetAsync);
        target.Start();
        var observer = new Observer();
        var proxy = ProxyServer.Bind([Transports.BindEndPoint(transport)], options, observer, admit);
        proxy.Start();
        await Task.CompletedTask;
        return new ProxyHarness(proxy, target, proxy.EndPoints[0], targetEnd, observer);
    }

    private static async ValueTask TargetAsync(Connection c)
    {
        var r = await c.Input.ReadAtLeastAsync(4);
        var start = Encoding.Latin1.GetString(r.Buffer.Slice(0, Math.Min(r.Buffer.Length, 4)).ToArray());
        c.Input.AdvanceTo(r.Buffer.Start);
        if (start is "GET " or "POST" or "HEAD")
        {
            // Read the head, answer with it as the body.
            while (true)
            {
                r = await c.Input.ReadAsync();
                var text = Encoding.Latin1.GetString(r.Buffer.ToArray());
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end >= 0 || r.IsCompleted)
                {
                    var head = end >= 0 ? text[..(end + 4)] : text;
                    var body = Encoding.Latin1.GetBytes(head);
                    c.Input.AdvanceTo(r.Buffer.End);
                    await c.Output.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
                    await c.Output.WriteAsync(body);
                    return;
                }
                c.Input.AdvanceTo(r.Buffer.Start, r.Buffer.End);
            }
        }
        long total = 0;
        while (true)
        {
            r = await c.Input.ReadAsync();
            foreach (var s in r.Buffer) c.Output.Write(s.Span);
            total += r.Buffer.Length;
            c.Input.AdvanceTo(r.Buffer.End);
            if (r.IsCompleted) break;
            if ((await c.Output.FlushAsync()).IsCompleted) return;
        }
        await c.Output.WriteAsync(Encoding.ASCII.GetBytes($"bytes={total}\n"));
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await _target.DisposeAsync();
    }

    private sealed class Observer : IProxyObserver
    {
        public Action<ProxySession>? Ended { get; set; }

        public void SessionEnded(ProxySession session) => Ended?.Invoke(session);
    }
}

/// <summary>A SOCKS5 client written in the test, byte by byte from RFC 1928 and 1929, over any stream.</summary>
public static class Socks5Bytes
{
    /// <summary>Connects a socket to <paramref name="proxy"/> (IP or Unix).</summary>
    public static async Task<Socket> ConnectAsync(EndPoint proxy)
    {
        var s = new Socket(proxy.AddressFamily, SocketType.Stream, proxy is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
        await s.ConnectAsync(proxy).WaitAsync(TimeSpan.FromSeconds(10));
        return s;
    }

    /// <summary>The greeting offering no authentication (or username/password with <paramref name="user"/>); returns the method chosen.</summary>
    public static async Task<byte> GreetAsync(Stream s, string? user = null, string? password = null)
    {
        await s.WriteAsync(user is null ? new byte[] { 5, 1, 0 } : [5, 1, 2]);
        var m = await ReadAsync(s, 2);
        if (m[1] != 2 || user is null) return m[1];
        var u = Encoding.UTF8.GetBytes(user);
        var p = Encoding.UTF8.GetBytes(password ?? "");
        await s.WriteAsync((byte[])[1, (byte)u.Length, .. u, (byte)p.Length, .. p]);
        var status = await ReadAsync(s, 2);
        return status[1] == 0 ? (byte)2 : (byte)0xFF;
    }

    /// <summary>A request (CONNECT = 1, UDP ASSOCIATE = 3) for <paramref name="host"/> (an address or a name); returns the reply code and the bound address.</summary>
    public static async Task<(byte Code, IPEndPoint? Bound)> RequestAsync(Stream s, byte command, string host, int port)
    {
        await s.WriteAsync(Request(command, host, port));
        return await ReadReplyAsync(s);
    }

    public static byte[] Request(byte command, string host, int port) => [5, command, 0, .. Address(host, port)];

    /// <summary>ATYP, DST.ADDR, DST.PORT for <paramref name="host"/>.</summary>
    public static byte[] Address(string host, int port)
    {
        byte[] p = [(byte)(port >> 8), (byte)port];
        if (IPAddress.TryParse(host, out var a))
            return a.AddressFamily == AddressFamily.InterNetwork ? [1, .. a.GetAddressBytes(), .. p] : [4, .. a.GetAddressBytes(), .. p];
        var n = Encoding.ASCII.GetBytes(host);
        return [3, (byte)n.Length, .. n, .. p];
    }

    public static async Task<(byte Code, IPEndPoint? Bound)> ReadReplyAsync(Stream s)
    {
        var head = await ReadAsync(s, 4);
        var rest = await ReadAsync(s, head[3] == 4 ? 18 : head[3] == 1 ? 6 : 0);
        if (rest.Length == 0) return (head[1], null);
        var addr = new IPAddress(rest.AsSpan(0, rest.Length - 2));
        return (head[1], new IPEndPoint(addr, rest[^2] << 8 | rest[^1]));
    }

    /// <summary>Exactly <paramref name="n"/> bytes (at most 10 s); fewer only if the stream ends, which fails the test.</summary>
    public static async Task<byte[]> ReadAsync(Stream s, int n)
    {
        var b = new byte[n];
        await s.ReadExactlyAsync(b).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        return b;
    }

    /// <summary>Everything until end of stream (at most 10 s).</summary>
    public static async Task<byte[]> ReadToEndAsync(Stream s)
    {
        var ms = new MemoryStream();
        await s.CopyToAsync(ms).WaitAsync(TimeSpan.FromSeconds(10));
        return ms.ToArray();
    }
}

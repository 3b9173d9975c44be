using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Tests.Support;

namespace Sock.Tests.Proxies;

/// <summary>
/// A proxy written in the test that connects nowhere: it reads one handshake (SOCKS5 with no authentication, SOCKS4/4a,
/// or an HTTP CONNECT head), records the request, and answers with exactly the bytes it was given — in one send, so that
/// what follows a reply arrives with it — then ends its side and drains. For the replies no real proxy can be made to
/// give on demand.
/// </summary>
public sealed class ScriptedProxy : IDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly string _protocol;
    private readonly Func<int, byte[]> _answer;
    private readonly List<byte[]> _requests = [];
    private int _connections;

    /// <param name="transport">tcp4 or tcp6: where it listens.</param>
    /// <param name="protocol">socks5, socks4 or http.</param>
    /// <param name="answer">The bytes sent after the request, by connection number (0, 1…).</param>
    public ScriptedProxy(string transport, string protocol, Func<int, byte[]> answer)
    {
        _protocol = protocol;
        _answer = answer;
        var v6 = transport == Transports.Tcp6;
        _listener = new Socket(v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
        _listener.Listen(16);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        Address = v6 ? $"[::1]:{Port}" : $"127.0.0.1:{Port}";
        _ = AcceptLoopAsync();
    }

    public ScriptedProxy(string transport, string protocol, byte[] answer) : this(transport, protocol, _ => answer) { }

    public int Port { get; }

    /// <summary>"127.0.0.1:PORT" or "[::1]:PORT".</summary>
    public string Address { get; }

    /// <summary>The requests received (SOCKS: the CONNECT request's bytes; HTTP: the head).</summary>
    public IReadOnlyList<byte[]> Requests { get { lock (_requests) return [.. _requests]; } }

    /// <summary>A SOCKS5 reply with code <paramref name="code"/> (bound 127.0.0.1:8080), then <paramref name="after"/>.</summary>
    public static byte[] Socks5Reply(byte code, string after = "") =>
        [5, code, 0, 1, 127, 0, 0, 1, 0x1f, 0x90, .. Encoding.ASCII.GetBytes(after)];

    /// <summary>A SOCKS4 reply with code <paramref name="code"/>, then <paramref name="after"/>.</summary>
    public static byte[] Socks4Reply(byte code, string after = "") => [0, code, 0, 0, 0, 0, 0, 0, .. Encoding.ASCII.GetBytes(after)];

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = ServeAsync(client, Interlocked.Increment(ref _connections) - 1);
        }
    }

    private async Task ServeAsync(Socket client, int number)
    {
        using (client)
        {
            try
            {
                var request = _protocol switch
                {
                    "socks5" => await ReadSocks5Async(client),
                    "socks4" => await ReadSocks4Async(client),
                    _ => await ReadHttpHeadAsync(client),
                };
                lock (_requests) _requests.Add(request);
                await client.SendAsync(_answer(number), SocketFlags.None, _stop.Token);
                client.Shutdown(SocketShutdown.Send);
                var sink = new byte[4096];
                using var drain = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                drain.CancelAfter(TimeSpan.FromSeconds(30));
                while (await client.ReceiveAsync(sink, SocketFlags.None, drain.Token) > 0) { }
            }
            catch (Exception) { /* the client went away: the test looks at what sock did */ }
        }
    }

    private async Task<byte[]> ReadSocks5Async(Socket s)
    {
        var greeting = await ExactAsync(s, 2);
        await ExactAsync(s, greeting[1]);
        await s.SendAsync(new byte[] { 5, 0 }, SocketFlags.None, _stop.Token);
        var head = await ExactAsync(s, 4);
        byte[] address;
        if (head[3] == 1) address = await ExactAsync(s, 4);
        else if (head[3] == 4) address = await ExactAsync(s, 16);
        else
        {
            var length = await ExactAsync(s, 1);
            address = [.. length, .. await ExactAsync(s, length[0])];
        }
        var port = await ExactAsync(s, 2);
        return [.. head, .. address, .. port];
    }

    private async Task<byte[]> ReadSocks4Async(Socket s)
    {
        var head = await ExactAsync(s, 8);
        var rest = new List<byte>();
        var nulsWanted = head[4] == 0 && head[5] == 0 && head[6] == 0 && head[7] != 0 ? 2 : 1;
        while (nulsWanted > 0)
        {
            var b = (await ExactAsync(s, 1))[0];
            rest.Add(b);
            if (b == 0) nulsWanted--;
        }
        return [.. head, .. rest];
    }

    private async Task<byte[]> ReadHttpHeadAsync(Socket s)
    {
        var head = new List<byte>();
        while (head.Count < 64 * 1024 && !(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
            head.Add((await ExactAsync(s, 1))[0]);
        return [.. head];
    }

    private async Task<byte[]> ExactAsync(Socket s, int count)
    {
        var buffer = new byte[count];
        var got = 0;
        while (got < count)
        {
            var n = await s.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None, _stop.Token);
            if (n == 0) throw new EndOfStreamException();
            got += n;
        }
        return buffer;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
    }
}

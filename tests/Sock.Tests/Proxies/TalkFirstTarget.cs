using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Tests.Support;

namespace Sock.Tests.Proxies;

/// <summary>
/// The destination behind the proxies: on each connection it sends its greeting at once — before the client could say
/// anything, so the greeting arrives right behind the proxy's reply — then echoes everything back until the client's
/// end of stream, and closes.
/// </summary>
public sealed class TalkFirstTarget : IDisposable
{
    public static readonly byte[] Greeting = Encoding.ASCII.GetBytes("220 the target speaks first\r\n");

    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly long? _closeAfter;

    /// <param name="transport">tcp4 or tcp6.</param>
    /// <param name="closeAfter">
    /// Close once this many bytes were echoed, instead of at the client's end of stream: for a client that keeps its side
    /// open (--no-shutdown), through proxies that close both ways at a client's FIN (microsocks, ncat's HTTP proxy).
    /// </param>
    public TalkFirstTarget(string transport, long? closeAfter = null)
    {
        _closeAfter = closeAfter;
        var v6 = transport == Transports.Tcp6;
        _listener = new Socket(v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
        _listener.Listen(16);
        Host = v6 ? "::1" : "127.0.0.1";
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _ = AcceptLoopAsync();
    }

    public string Host { get; }

    public int Port { get; }

    public int Connections;

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptAsync(_stop.Token); }
            catch (Exception) { return; }
            Interlocked.Increment(ref Connections);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        {
            try
            {
                await client.SendAsync(Greeting, SocketFlags.None, _stop.Token);
                // Reading never waits for the echo to be sent: a proxy that blocks in write() towards this target while
                // the target blocks in write() back to it (microsocks does) would otherwise deadlock once the data is
                // more than both sides' socket buffers. What is read waits in a queue (at most the test's data).
                var queue = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
                var echo = Task.Run(async () =>
                {
                    await foreach (var chunk in queue.Reader.ReadAllAsync(_stop.Token))
                    {
                        var sent = 0;
                        while (sent < chunk.Length) sent += await client.SendAsync(chunk.AsMemory(sent), SocketFlags.None, _stop.Token);
                    }
                });
                var buffer = new byte[256 * 1024];
                int n;
                long read = 0;
                while ((_closeAfter is null || read < _closeAfter) && (n = await client.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
                {
                    queue.Writer.TryWrite(buffer.AsSpan(0, n).ToArray());
                    read += n;
                }
                queue.Writer.TryComplete();
                await echo;
                client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception) { /* the test stopped or the client reset: nothing to echo */ }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
    }
}

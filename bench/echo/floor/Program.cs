// The .NET floor for the echo benchmark: what sock serve's epoll transport would cost with nothing of the engine on top.
// One thread, edge-triggered epoll (blocking in epoll_wait: no polling, unlike the engine), recv and send by P/Invoke
// on the descriptors (the same Platform/Linux binding the engine uses), one static buffer, and the engine's reading rule
// (stop at a short read; no read to EAGAIN). No pipes, no handler, no records, no counters: bytes go back from the
// buffer they arrived in. Whatever the peer does not take at once is kept per connection and sent on its output edge,
// and reading from that peer pauses meanwhile (bounded, like the C server). Comparing it with
// bench/c/epoll_echo_server.c measures what .NET itself costs (a multi-threaded process, P/Invoke); comparing sock with
// it measures what the engine costs (pipes, the async handler, bookkeeping).
// Usage: Floor PORT [ADDR]   (ADDR 127.0.0.1 by default; loopback only). Runs until killed.
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Sock.Core.Platform.Linux;

[assembly: SupportedOSPlatform("linux")]


if (args.Length < 1 || !int.TryParse(args[0], out var port)) { Console.Error.WriteLine("usage: Floor PORT [ADDR]"); return 2; }
var address = IPAddress.Parse(args.Length > 1 ? args[1] : "127.0.0.1");
if (!IPAddress.IsLoopback(address)) { Console.Error.WriteLine("loopback only"); return 2; }
var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
listener.Bind(new IPEndPoint(address, port));
listener.Listen(4096);
listener.Blocking = false;
return FloorServer.Run(listener);

internal static unsafe class FloorServer
{
    private const ulong ListenerKey = ulong.MaxValue;
    private const int MaxEvents = 256, PendingCap = 1 << 20;

    private sealed class Connection(Socket socket)
    {
        public readonly Socket Socket = socket;
        public readonly int Fd = (int)socket.SafeHandle.DangerousGetHandle();
        public byte[] Pending = [];
        public int PendingLength;
        public bool Ended; // the peer shut down its side: answer what is pending, then close
    }

    public static int Run(Socket listener)
    {
        var epoll = Epoll.Create();
        Epoll.Control(epoll, Epoll.CtlAdd, (int)listener.SafeHandle.DangerousGetHandle(), Epoll.In, ListenerKey);
        var connections = new Dictionary<ulong, Connection>();
        ulong nextKey = 0;
        var buffer = GC.AllocateUninitializedArray<byte>(65536, pinned: true);
        using var events = new EpollEvents(MaxEvents);
        while (true)
        {
            var n = Epoll.Wait(epoll, events, -1);
            for (var i = 0; i < n; i++)
            {
                var key = events.DataAt(i);
                if (key == ListenerKey)
                {
                    while (true)
                    {
                        Socket accepted;
                        try { accepted = listener.Accept(); }
                        catch (SocketException) { break; }
                        accepted.NoDelay = true;
                        accepted.Blocking = false;
                        var c = new Connection(accepted);
                        connections[++nextKey] = c;
                        Epoll.Control(epoll, Epoll.CtlAdd, c.Fd, Epoll.In | Epoll.Out | Epoll.RdHup | Epoll.EdgeTriggered, nextKey);
                    }
                    continue;
                }
                if (!connections.TryGetValue(key, out var conn)) continue;
                if (!Serve(conn, buffer, events.EventsAt(i)))
                {
                    connections.Remove(key);
                    conn.Socket.Dispose(); // closing removes it from the epoll set
                }
            }
        }
    }

    /// <summary>One edge: send what is pending, then echo until a short read. False when the connection is done.</summary>
    private static bool Serve(Connection c, byte[] buffer, uint events)
    {
        if (c.PendingLength > 0 && !Flush(c)) return false;
        if (c.Ended) return c.PendingLength > 0;
        var ending = (events & (Epoll.RdHup | Epoll.Hup | Epoll.Err)) != 0;
        while (c.PendingLength <= PendingCap)
        {
            var r = SocketCalls.Receive(c.Fd, buffer);
            if (r == -Errno.EAGAIN) return true;
            if (r < 0) return false;
            if (r == 0)
            {
                c.Ended = true;
                return c.PendingLength > 0;
            }
            var sent = 0;
            if (c.PendingLength == 0)
            {
                sent = SocketCalls.Send(c.Fd, buffer.AsSpan(0, r));
                if (sent == -Errno.EAGAIN) sent = 0;
                else if (sent < 0) return false;
            }
            if (sent < r) Keep(c, buffer.AsSpan(sent, r - sent));
            if (r < buffer.Length && !ending) return true;
        }
        return true;
    }

    private static bool Flush(Connection c)
    {
        var off = 0;
        while (off < c.PendingLength)
        {
            var w = SocketCalls.Send(c.Fd, c.Pending.AsSpan(off, c.PendingLength - off));
            if (w == -Errno.EAGAIN) break;
            if (w < 0) return false;
            off += w;
        }
        c.Pending.AsSpan(off, c.PendingLength - off).CopyTo(c.Pending);
        c.PendingLength -= off;
        return true;
    }

    private static void Keep(Connection c, ReadOnlySpan<byte> rest)
    {
        if (c.Pending.Length < c.PendingLength + rest.Length) Array.Resize(ref c.Pending, c.PendingLength + rest.Length + 65536);
        rest.CopyTo(c.Pending.AsSpan(c.PendingLength));
        c.PendingLength += rest.Length;
    }
}

using System.Net;
using System.Net.Sockets;
using Sock.Core.Serving;
using Sock.Tests.Support;
using Sock.Core.Connections;

namespace Sock.Tests.Serving;

/// <summary>Starts an in-process server for one test, on a loopback port 0 or a fresh Unix path, and connects clients to it.</summary>
internal sealed class ServingHost : IAsyncDisposable
{
    private ServingHost(SocketServer server, EndPoint endpoint, string transport)
    {
        Server = server;
        EndPoint = endpoint;
        Transport = transport;
    }

    public SocketServer Server { get; }
    public EndPoint EndPoint { get; }
    public string Transport { get; }

    /// <summary>A stream server; <paramref name="transport"/> may name the engine too (<see cref="Engines"/>).</summary>
    public static ServingHost Stream(string transport, ConnectionHandler handler, ServerOptions? options = null)
    {
        var server = new SocketServer(Engines.OptionsFor(transport, options));
        var ep = server.ListenStream("test", Transports.BindEndPoint(Engines.TransportOf(transport)), handler);
        server.Start();
        return new ServingHost(server, ep, Engines.TransportOf(transport));
    }

    public static ServingHost Datagram(string transport, DatagramHandler handler, ServerOptions? options = null, IServerObserver? observer = null)
    {
        var server = new SocketServer(options, observer: observer);
        var ep = server.ListenDatagram("test", Transports.BindEndPoint(transport), handler);
        server.Start();
        return new ServingHost(server, ep, transport);
    }

    /// <summary>A connected stream client.</summary>
    public async Task<Socket> ConnectAsync()
    {
        var s = new Socket(EndPoint.AddressFamily, SocketType.Stream, EndPoint is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
        await s.ConnectAsync(EndPoint).WaitAsync(TimeSpan.FromSeconds(10));
        return s;
    }

    /// <summary>
    /// A datagram client socket "connected" to the server, so receives only take its replies. A Unix one binds a path
    /// of its own first (next to the server's, so it goes with the host): replies go to the sender's address.
    /// </summary>
    public Socket DatagramClient() => DatagramClientFor(EndPoint);

    /// <inheritdoc cref="DatagramClient"/>
    public static Socket DatagramClientFor(EndPoint server)
    {
        if (server is not UnixDomainSocketEndPoint unix)
        {
            var udp = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            udp.Connect(server);
            return udp;
        }
        var s = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            s.Bind(new UnixDomainSocketEndPoint(Path.Combine(Path.GetDirectoryName(unix.ToString())!, $"client-{Guid.NewGuid():N}.sock")));
            s.Connect(server);
            return s;
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    /// <summary>Sends one datagram and waits (up to 5 s, retrying twice: UDP may lose one) for the reply.</summary>
    public async Task<byte[]> AskAsync(byte[] request)
    {
        using var s = DatagramClient();
        var buffer = new byte[65536];
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await s.SendAsync(request);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                var n = await s.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                return buffer[..n];
            }
            catch (OperationCanceledException)
            {
            }
        }
        throw new TimeoutException("no reply from the datagram service");
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        if (EndPoint is UnixDomainSocketEndPoint u && Path.GetDirectoryName(u.ToString()) is { } dir)
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Reading helpers for test clients.</summary>
internal static class ClientReads
{
    /// <summary>Reads until the peer closes (or <paramref name="limit"/> bytes), within <paramref name="timeout"/>.</summary>
    public static async Task<byte[]> ReadToEndAsync(this Socket s, int limit = 1 << 20, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var ms = new MemoryStream();
        var buffer = new byte[65536];
        while (ms.Length < limit)
        {
            var n = await s.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            if (n == 0) break;
            ms.Write(buffer, 0, n);
        }
        return ms.ToArray();
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes.</summary>
    public static async Task<byte[]> ReadExactlyAsync(this Socket s, int count, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[count];
        var got = 0;
        while (got < count)
        {
            var n = await s.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None, cts.Token);
            if (n == 0) throw new EndOfStreamException($"closed after {got} of {count} bytes");
            got += n;
        }
        return buffer;
    }

    /// <summary>Sends all of <paramref name="data"/>.</summary>
    public static async Task SendAllAsync(this Socket s, ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            var n = await s.SendAsync(data, SocketFlags.None);
            data = data[n..];
        }
    }
}

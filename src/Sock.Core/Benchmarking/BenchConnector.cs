using System.Net;
using System.Net.Sockets;
using Sock.Core.Tracing;
using Sock.Core.Sockets;

namespace Sock.Core.Benchmarking;

/// <summary>Opens the benchmark's connections through <see cref="TracedSocket"/>, so a refused target fails the usual way.</summary>
internal static class BenchConnector
{
    public static async Task<TracedSocket> ConnectAsync(EndPoint target, SocketTrace? trace, TimeSpan timeout, CancellationToken cancellationToken,
        Proxies.ProxyOptions? proxy = null)
    {
        // Through proxies each connection is made through the chain, the handshake inside the connect's time.
        if (proxy is not null && target is IPEndPoint ip)
            return await Proxies.ProxyConnector.ConnectAsync(new Netcat.NetcatOptions
            {
                Host = ip.Address.ToString(),
                Port = ip.Port,
                ConnectTimeout = timeout,
                Proxy = proxy,
            }, trace, Netcat.SilentNetcatObserver.Instance, cancellationToken).ConfigureAwait(false);
        var s = TracedSocket.CreateFor(target, SocketType.Stream, trace);
        try
        {
            await s.ConnectAsync(target, timeout, cancellationToken).ConfigureAwait(false);
            if (target is IPEndPoint) s.Socket.NoDelay = true;
            return s;
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    public static async Task<List<TracedSocket>> ConnectManyAsync(EndPoint target, int count, SocketTrace? trace, TimeSpan timeout, CancellationToken cancellationToken,
        Proxies.ProxyOptions? proxy = null)
    {
        var list = new List<TracedSocket>(count);
        try
        {
            for (var i = 0; i < count; i++)
                list.Add(await ConnectAsync(target, trace, timeout, cancellationToken, proxy).ConfigureAwait(false));
            return list;
        }
        catch
        {
            foreach (var s in list) s.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Connects with blocking calls, so the sockets never enter .NET's asynchronous engine and stay plain blocking
    /// sockets for a thread that loops over them.
    /// </summary>
    public static List<TracedSocket> ConnectManyBlocking(EndPoint target, int count, SocketTrace? trace, TimeSpan timeout)
    {
        var list = new List<TracedSocket>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var s = TracedSocket.CreateFor(target, SocketType.Stream, trace);
                list.Add(s);
                try
                {
                    s.Socket.SendTimeout = (int)timeout.TotalMilliseconds;
                    s.Socket.Connect(target);
                    s.Socket.SendTimeout = 0;
                    trace?.Call($"connect({s.Handle}, {Sock.Core.Endpoints.EndpointText.Format(target)}) = 0");
                }
                catch (SocketException ex) when (target is UnixDomainSocketEndPoint && ex.SocketErrorCode == SocketError.AddressNotAvailable)
                {
                    throw new Sock.Core.Errors.SockException(Sock.Core.Errors.SockErrorKind.Network, "connect to", Sock.Core.Endpoints.EndpointText.Format(target),
                        "no such socket file (nothing is listening there)", ex.SocketErrorCode, ex);
                }
                catch (SocketException ex)
                {
                    throw Sock.Core.Errors.SockException.FromSocket("connect to", Sock.Core.Endpoints.EndpointText.Format(target), ex);
                }
                if (target is IPEndPoint) s.Socket.NoDelay = true;
            }
            return list;
        }
        catch
        {
            foreach (var s in list) s.Dispose();
            throw;
        }
    }

    /// <summary>tcp4, tcp6, unix, udp4, udp6.</summary>
    public static string TransportName(EndPoint target, bool datagram) => target.AddressFamily switch
    {
        AddressFamily.Unix => datagram ? "unixgram" : "unix",
        AddressFamily.InterNetworkV6 => datagram ? "udp6" : "tcp6",
        _ => datagram ? "udp4" : "tcp4",
    };
}

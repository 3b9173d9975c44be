using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Sock.Tests.Scanning;

/// <summary>
/// UDP services for the probe tests. Like real servers, the strict ones answer only a well-formed request: a DNS
/// server ignores a datagram that is not a query, an NTP server one that is not a client request.
/// </summary>
public static class UdpResponder
{
    /// <summary>Sends every datagram back (RFC 862), empty ones too.</summary>
    public static Task EchoAsync(Socket socket, CancellationToken stop) => ServeAsync(socket, stop, request => request);

    /// <summary>Answers only a DNS query (QR clear, one question that parses) with "refused".</summary>
    public static Task DnsAsync(Socket socket, CancellationToken stop) => ServeAsync(socket, stop, q =>
    {
        if (q.Length < 17 || (q[2] & 0x80) != 0 || BinaryPrimitives.ReadUInt16BigEndian(q.AsSpan(4)) < 1) return null;
        var i = 12;
        while (i < q.Length && q[i] != 0) i += q[i] + 1;
        if (i + 5 > q.Length) return null;
        var reply = q[..(i + 5)];
        reply[2] = 0x80;                  // QR: a response
        reply[3] = 0x05;                  // RCODE 5: refused
        return reply;
    });

    /// <summary>Answers only an NTP client request (48 bytes or more, mode 3) with a server reply (mode 4).</summary>
    public static Task NtpAsync(Socket socket, CancellationToken stop) => ServeAsync(socket, stop, q =>
    {
        if (q.Length < 48 || (q[0] & 0x07) != 3) return null;
        var reply = new byte[48];
        reply[0] = (byte)((q[0] & 0x38) | 4);
        reply[1] = 2;
        return reply;
    });

    /// <summary>Answers anything with the time of day as text (RFC 867).</summary>
    public static Task DaytimeAsync(Socket socket, CancellationToken stop) =>
        ServeAsync(socket, stop, _ => System.Text.Encoding.ASCII.GetBytes(DateTime.UtcNow.ToString("R") + "\r\n"));

    /// <summary>A UDP socket bound to <paramref name="endpoint"/>, or null when the port is taken or privileged.</summary>
    public static Socket? TryBind(IPEndPoint endpoint)
    {
        var s = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            s.Bind(endpoint);
            return s;
        }
        catch (SocketException)
        {
            s.Dispose();
            return null;
        }
    }

    private static async Task ServeAsync(Socket socket, CancellationToken stop, Func<byte[], byte[]?> answer)
    {
        var buffer = new byte[2048];
        EndPoint any = socket.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var r = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, stop);
                if (answer(buffer[..r.ReceivedBytes]) is { } reply)
                    await socket.SendToAsync(reply, SocketFlags.None, r.RemoteEndPoint, stop);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }
}

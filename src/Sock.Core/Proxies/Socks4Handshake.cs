using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Core.Errors;

namespace Sock.Core.Proxies;

/// <summary>
/// The client's side of SOCKS4 and SOCKS4a: one CONNECT request (port, IPv4 address, user ID; SOCKS4a puts 0.0.0.1 for
/// the address and the name after the user ID) and one 8-byte reply, read to its exact length.
/// </summary>
internal static class Socks4Handshake
{
    private const int ReplyLength = 8;

    public static async Task ConnectAsync(ProxyConversation c, ProxyDestination destination)
    {
        var request = Request(destination, c.Proxy.UserName);
        await c.SendAsync(request, $"{ProxySpec.ProtocolName(c.Proxy.Type)} request: CONNECT {destination}"
            + (c.Proxy.UserName is { } u ? $", user ID {u}" : "")).ConfigureAwait(false);
        var reply = new byte[ReplyLength];
        var calls = await c.ReceiveExactAsync(reply, "a SOCKS4 reply").ConfigureAwait(false);
        c.TraceReceived(ReplyLength, calls, $"SOCKS4 reply: {Socks4ReplyText.Describe(reply[1])} ({reply[1]})");
        // The reply's version is 0 by the protocol; some servers echo 4.
        if (reply[0] is not (0 or 4))
            throw SockException.Said($"{c.Name} did not answer in SOCKS4", reply[0] switch
            {
                (byte)'H' => "its reply starts with 'H' (an HTTP proxy? use --proxy-type http)",
                5 => "version byte 5 (a SOCKS5 proxy? use --proxy-type socks5)",
                _ => $"version byte {reply[0]} where 0 was due",
            });
        if (reply[1] != (byte)Socks4Reply.Granted)
            throw SockException.Said($"{c.Name} refused the connection to {destination}", Socks4ReplyText.Reason(reply[1]),
                reply[1] == (byte)Socks4Reply.Rejected ? SocketError.ConnectionRefused : SocketError.AccessDenied);
    }

    /// <summary>The CONNECT request: VN 4, CD 1, port, address, user ID and NUL (and for SOCKS4a the name and NUL).</summary>
    internal static byte[] Request(ProxyDestination destination, string? user)
    {
        var id = Encoding.UTF8.GetBytes(user ?? "");
        var name = destination.Address is null ? Encoding.UTF8.GetBytes(destination.Name!) : null;
        var request = new byte[8 + id.Length + 1 + (name is null ? 0 : name.Length + 1)];
        request[0] = 4;
        request[1] = 1;
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(2), (ushort)destination.Port);
        // SOCKS4a: 0.0.0.x with x non-zero says "the name follows".
        (destination.Address ?? new IPAddress([0, 0, 0, 1])).GetAddressBytes().CopyTo(request, 4);
        id.CopyTo(request, 8);
        name?.CopyTo(request, 8 + id.Length + 1);
        return request;
    }
}

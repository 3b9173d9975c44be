using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Core.Endpoints;
using Sock.Core.Errors;

namespace Sock.Core.Proxies;

/// <summary>
/// The client's side of SOCKS5 (RFC 1928): greeting with the methods it can do (no authentication, and
/// username/password of RFC 1929 when it has credentials), the method's sub-negotiation, then CONNECT with an IPv4,
/// IPv6 or domain address. The reply is read to its exact length (its bound address's type says how long it is).
/// </summary>
internal static class Socks5Handshake
{
    private const byte Version = 5;
    private const byte NoAuthentication = 0;
    private const byte UserPassword = 2;
    private const byte NoAcceptableMethods = 0xFF;
    private const byte Connect = 1;
    private const byte IPv4 = 1, DomainName = 3, IPv6 = 4;

    public static async Task ConnectAsync(ProxyConversation c, ProxyDestination destination)
    {
        var proxy = c.Proxy;
        var credentials = proxy.UserName is not null && proxy.Password is not null;
        await c.SendAsync(credentials ? new byte[] { Version, 2, NoAuthentication, UserPassword } : [Version, 1, NoAuthentication],
            credentials ? "SOCKS5 greeting: methods no authentication, username/password" : "SOCKS5 greeting: method no authentication")
            .ConfigureAwait(false);
        var choice = new byte[2];
        var calls = await c.ReceiveExactAsync(choice, "a SOCKS5 method selection").ConfigureAwait(false);
        c.TraceReceived(2, calls, $"SOCKS5 method selection: {MethodName(choice[1])}");
        if (choice[0] != Version) throw NotSocks5(c, choice[0]);
        switch (choice[1])
        {
            case NoAuthentication:
                break;
            case UserPassword when credentials:
                await AuthenticateAsync(c, proxy.UserName!, proxy.Password!).ConfigureAwait(false);
                break;
            case NoAcceptableMethods:
                throw SockException.Said($"{c.Name} accepts none of the authentication methods offered",
                    credentials ? "neither no authentication nor username/password (method 0xFF)"
                                : "it wants credentials (method 0xFF): give --proxy-auth USER:PASS", SocketError.AccessDenied);
            default:
                throw SockException.Said($"{c.Name} chose an authentication method that was not offered",
                    $"{MethodName(choice[1])} (method 0x{choice[1]:x2})");
        }

        var request = Request(destination);
        await c.SendAsync(request, $"SOCKS5 request: CONNECT {destination}").ConfigureAwait(false);
        // VER REP RSV ATYP and the address's first byte (a domain's length), then exactly what the type says remains.
        var head = new byte[5];
        calls = await c.ReceiveExactAsync(head, "a SOCKS5 reply").ConfigureAwait(false);
        if (head[0] != Version) throw NotSocks5(c, head[0]);
        var rest = head[3] switch
        {
            IPv4 => 4 - 1 + 2,
            IPv6 => 16 - 1 + 2,
            DomainName => head[4] + 2,
            _ => -1,
        };
        if (rest < 0)
        {
            c.TraceReceived(5, calls, $"SOCKS5 reply: {Socks5ReplyText.Describe(head[1])}, unknown address type {head[3]}");
            // A failure reply still says why, whatever follows it.
            if (head[1] != 0) throw Refused(c, destination, head[1]);
            throw SockException.Said($"{c.Name} sent a malformed reply", $"unknown address type {head[3]} (RFC 1928 has 1, 3 and 4)");
        }
        var bound = new byte[rest];
        calls += await c.ReceiveExactAsync(bound, "the rest of a SOCKS5 reply").ConfigureAwait(false);
        c.TraceReceived(5 + rest, calls, $"SOCKS5 reply: {Socks5ReplyText.Describe(head[1])} (bound {BoundAddress(head, bound)})");
        if (head[1] != 0) throw Refused(c, destination, head[1]);
    }

    private static async Task AuthenticateAsync(ProxyConversation c, string user, string password)
    {
        var u = Encoding.UTF8.GetBytes(user);
        var p = Encoding.UTF8.GetBytes(password);
        var message = new byte[3 + u.Length + p.Length];
        message[0] = 1; // the sub-negotiation's own version (RFC 1929)
        message[1] = (byte)u.Length;
        u.CopyTo(message, 2);
        message[2 + u.Length] = (byte)p.Length;
        p.CopyTo(message, 3 + u.Length);
        await c.SendAsync(message, $"SOCKS5 username/password: user {user}, password ({p.Length} bytes)").ConfigureAwait(false);
        var status = new byte[2];
        var calls = await c.ReceiveExactAsync(status, "a SOCKS5 authentication status").ConfigureAwait(false);
        c.TraceReceived(2, calls, $"SOCKS5 authentication status: {status[1]} ({(status[1] == 0 ? "accepted" : "refused")})");
        if (status[0] != 1)
            throw SockException.Said($"{c.Name} sent a malformed authentication reply", $"version {status[0]} (RFC 1929 says 1)");
        if (status[1] != 0)
            throw SockException.Said($"{c.Name} refused the user name and password of {user}",
                $"authentication failed (status {status[1]})", SocketError.AccessDenied);
    }

    /// <summary>The CONNECT request for <paramref name="destination"/>.</summary>
    internal static byte[] Request(ProxyDestination destination)
    {
        byte[] address;
        byte type;
        if (destination.Address is { } a)
        {
            address = a.GetAddressBytes();
            type = a.AddressFamily == AddressFamily.InterNetworkV6 ? IPv6 : IPv4;
        }
        else
        {
            var name = Encoding.UTF8.GetBytes(destination.Name!);
            address = new byte[1 + name.Length];
            address[0] = (byte)name.Length;
            name.CopyTo(address, 1);
            type = DomainName;
        }
        var request = new byte[4 + address.Length + 2];
        request[0] = Version;
        request[1] = Connect;
        request[3] = type;
        address.CopyTo(request, 4);
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(4 + address.Length), (ushort)destination.Port);
        return request;
    }

    private static string BoundAddress(byte[] head, byte[] rest)
    {
        var all = head.Concat(rest).ToArray();
        var port = BinaryPrimitives.ReadUInt16BigEndian(all.AsSpan(all.Length - 2));
        return head[3] switch
        {
            IPv4 => EndpointText.Format(new IPAddress(all.AsSpan(4, 4)), port),
            IPv6 => EndpointText.Format(new IPAddress(all.AsSpan(4, 16)), port),
            _ => $"{Encoding.UTF8.GetString(all, 5, head[4])}:{port}",
        };
    }

    private static SockException Refused(ProxyConversation c, ProxyDestination destination, byte code) =>
        SockException.Said($"{c.Name} refused the connection to {destination}", Socks5ReplyText.Reason(code), (Socks5Reply)code switch
        {
            Socks5Reply.NotAllowed => SocketError.AccessDenied,
            Socks5Reply.NetworkUnreachable => SocketError.NetworkUnreachable,
            Socks5Reply.HostUnreachable => SocketError.HostUnreachable,
            Socks5Reply.ConnectionRefused => SocketError.ConnectionRefused,
            Socks5Reply.TtlExpired => SocketError.TimedOut,
            Socks5Reply.AddressTypeNotSupported => SocketError.AddressFamilyNotSupported,
            Socks5Reply.CommandNotSupported => SocketError.OperationNotSupported,
            _ => SocketError.SocketError,
        });

    private static SockException NotSocks5(ProxyConversation c, byte version) => SockException.Said($"{c.Name} did not answer in SOCKS5",
        version switch
        {
            (byte)'H' => "its reply starts with 'H' (an HTTP proxy? use --proxy-type http)",
            0 or 4 => $"version byte {version} (a SOCKS4 proxy? use --proxy-type socks4)",
            _ => $"version byte {version} where 5 was due",
        });

    private static string MethodName(byte method) => method switch
    {
        NoAuthentication => "no authentication",
        1 => "GSSAPI",
        UserPassword => "username/password",
        NoAcceptableMethods => "no acceptable methods",
        _ => $"method 0x{method:x2}",
    };
}

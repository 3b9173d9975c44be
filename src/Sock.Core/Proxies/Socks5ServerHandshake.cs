using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sock.Core.Proxies;

/// <summary>
/// The server's side of a SOCKS5 handshake (RFC 1928): the method selection, username/password (RFC 1929) when the
/// proxy has users, and the request (CONNECT, UDP ASSOCIATE; BIND is refused with reply 7). Every malformed or
/// unsupported message gets the reply RFC 1928 gives it (method 0xFF, auth status 1, reply 1/7/8) and the connection
/// closes; nothing in the handshake is larger than 255 bytes, so nothing is buffered beyond that.
/// </summary>
internal static class Socks5ServerHandshake
{
    public const byte Version = 5;
    public const byte NoAuthentication = 0x00;
    private const byte UsernamePassword = 0x02;
    public const byte NoAcceptableMethod = 0xFF;

    public const byte Connect = 1;
    public const byte Bind = 2;
    public const byte UdpAssociate = 3;

    /// <summary>
    /// Reads the greeting, authenticates and reads the request. Returns the command and destination, or null when the
    /// handshake ended (refused, malformed, timed out, or the client left): the reply, if one is due, has been sent.
    /// </summary>
    public static async Task<(byte Command, ProxyRequest Request)?> ReadAsync(PipeReader input, PipeWriter output, ProxyServerOptions options,
        ProxySessionState session, CancellationToken ct)
    {
        session.Protocol = "socks5";
        var stage = 0; // 0 greeting, 1 authentication
        try
        {
            var head = await HandshakeInput.ReadExactlyAsync(input, 2, ct).ConfigureAwait(false);
            if (head is null) return Left(session);
            var methods = await HandshakeInput.ReadExactlyAsync(input, head[1], ct).ConfigureAwait(false);
            if (methods is null) return Left(session);
            // With users, only username/password will do; without, no authentication, or username/password (any
            // credentials: there is nothing to check them against) for a client that offers nothing else.
            byte chosen = options.Users is not null
                ? (methods.Contains(UsernamePassword) ? UsernamePassword : NoAcceptableMethod)
                : methods.Contains(NoAuthentication) ? NoAuthentication : methods.Contains(UsernamePassword) ? UsernamePassword : NoAcceptableMethod;
            await SendAsync(output, [Version, chosen]).ConfigureAwait(false);
            if (chosen == NoAcceptableMethod)
            {
                session.Refuse(options.Users is not null
                    ? "authentication required: the client offered no username/password method"
                    : methods.Length == 0 ? "malformed greeting: no methods" : "no acceptable authentication method offered");
                return null;
            }
            if (chosen == UsernamePassword)
            {
                stage = 1;
                if (!await AuthenticateAsync(input, output, options, session, ct).ConfigureAwait(false)) return null;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Too slow: the reply this stage has for a failure, then the close.
            session.Refuse($"handshake not finished within {Errors.Durations.Format(options.HandshakeTimeout)}");
            await SendAsync(output, stage == 0 ? [Version, NoAcceptableMethod] : [1, 1]).ConfigureAwait(false);
            return null;
        }
        return await ReadRequestAsync(input, output, options, session, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The request, once the method is agreed (and the client authenticated): as <see cref="ReadAsync"/> from there on. The
    /// reactor's handshake (<see cref="Socks5ReactorHandshake"/>) hands a request it does not take itself to this.
    /// </summary>
    public static async Task<(byte Command, ProxyRequest Request)?> ReadRequestAsync(PipeReader input, PipeWriter output, ProxyServerOptions options,
        ProxySessionState session, CancellationToken ct)
    {
        session.Protocol = "socks5";
        try
        {
            var request = await HandshakeInput.ReadExactlyAsync(input, 4, ct).ConfigureAwait(false);
            if (request is null) return Left(session);
            if (request[0] != Version)
                return await FailAsync(output, session, Socks5Reply.GeneralFailure, $"malformed request: version {request[0]}, not 5").ConfigureAwait(false);
            var command = request[1];
            session.Command = command switch { Connect => "connect", Bind => "bind", UdpAssociate => "udp-associate", _ => $"command {command}" };
            var destination = await ReadAddressAsync(input, request[3], ct).ConfigureAwait(false);
            if (destination is null)
            {
                if (request[3] is not (1 or 3 or 4))
                    return await FailAsync(output, session, Socks5Reply.AddressTypeNotSupported, $"address type {request[3]} not supported").ConfigureAwait(false);
                return Left(session);
            }
            if (destination.Name is { } name && !IsHostName(name))
                return await FailAsync(output, session, Socks5Reply.GeneralFailure, "malformed request: the host name is not a name").ConfigureAwait(false);
            session.Destination = destination.ToString();
            if (command is not (Connect or UdpAssociate) || (command == UdpAssociate && !options.UdpAssociate))
                return await FailAsync(output, session, Socks5Reply.CommandNotSupported, $"{session.Command} not supported").ConfigureAwait(false);
            if (command == Connect && destination.Port == 0)
                return await FailAsync(output, session, Socks5Reply.GeneralFailure, "malformed request: port 0").ConfigureAwait(false);
            return (command, destination);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Too slow: the reply this stage has for a failure, then the close.
            session.Refuse($"handshake not finished within {Errors.Durations.Format(options.HandshakeTimeout)}");
            await SendAsync(output, Reply(Socks5Reply.TtlExpired, null)).ConfigureAwait(false);
            return null;
        }
    }

    private static async Task<bool> AuthenticateAsync(PipeReader input, PipeWriter output, ProxyServerOptions options, ProxySessionState session, CancellationToken ct)
    {
        var head = await HandshakeInput.ReadExactlyAsync(input, 2, ct).ConfigureAwait(false);
        if (head is null) return Left(session) is not null;
        if (head[0] != 1)
        {
            await SendAsync(output, [1, 1]).ConfigureAwait(false);
            session.Refuse($"malformed authentication: version {head[0]}, not 1");
            return false;
        }
        var user = await HandshakeInput.ReadExactlyAsync(input, head[1], ct).ConfigureAwait(false);
        var passwordLength = user is null ? null : await HandshakeInput.ReadExactlyAsync(input, 1, ct).ConfigureAwait(false);
        var password = passwordLength is null ? null : await HandshakeInput.ReadExactlyAsync(input, passwordLength[0], ct).ConfigureAwait(false);
        if (password is null) return Left(session) is not null;
        var name = Encoding.UTF8.GetString(user!);
        var ok = options.Users?.Check(name, password) ?? true;
        await SendAsync(output, [1, (byte)(ok ? 0 : 1)]).ConfigureAwait(false);
        if (!ok)
        {
            session.Refuse($"authentication failed for user {Printable(name)}");
            return false;
        }
        session.User = name;
        return true;
    }

    /// <summary>DST.ADDR and DST.PORT for address type <paramref name="type"/>; null for an unknown type or a stream that ended.</summary>
    internal static async Task<ProxyRequest?> ReadAddressAsync(PipeReader input, byte type, CancellationToken ct)
    {
        switch (type)
        {
            case 1:
            case 4:
            {
                var bytes = await HandshakeInput.ReadExactlyAsync(input, type == 1 ? 6 : 18, ct).ConfigureAwait(false);
                if (bytes is null) return null;
                return new ProxyRequest(null, new IPAddress(bytes.AsSpan(0, bytes.Length - 2)), BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(bytes.Length - 2)));
            }
            case 3:
            {
                var length = await HandshakeInput.ReadExactlyAsync(input, 1, ct).ConfigureAwait(false);
                if (length is null) return null;
                var bytes = await HandshakeInput.ReadExactlyAsync(input, length[0] + 2, ct).ConfigureAwait(false);
                if (bytes is null) return null;
                return new ProxyRequest(Encoding.ASCII.GetString(bytes, 0, length[0]), null, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(length[0])));
            }
            default:
                return null;
        }
    }

    /// <summary>A name a resolver may be asked about: letters, digits, '-', '.', '_', 1 to 253 characters (or a literal address, which SOCKS5 clients sometimes send as a name).</summary>
    internal static bool IsHostName(string name) =>
        name.Length is > 0 and <= 253 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or ':');

    /// <summary>The reply: VER REP RSV ATYP BND.ADDR BND.PORT, with the address the proxy bound (zeros when there is none).</summary>
    public static byte[] Reply(Socks5Reply code, EndPoint? bound)
    {
        var ip = bound as IPEndPoint;
        var address = ip?.Address is { } a ? (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a) : IPAddress.Any;
        var six = address.AddressFamily == AddressFamily.InterNetworkV6;
        var reply = new byte[6 + (six ? 16 : 4)];
        reply[0] = Version;
        reply[1] = (byte)code;
        reply[3] = (byte)(six ? 4 : 1);
        address.TryWriteBytes(reply.AsSpan(4), out _);
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(reply.Length - 2), (ushort)(ip?.Port ?? 0));
        return reply;
    }

    public static Socks5Reply Code(ProxyRefusalKind kind) => kind switch
    {
        ProxyRefusalKind.NotAllowed => Socks5Reply.NotAllowed,
        ProxyRefusalKind.NetworkUnreachable => Socks5Reply.NetworkUnreachable,
        ProxyRefusalKind.HostUnreachable => Socks5Reply.HostUnreachable,
        ProxyRefusalKind.ConnectionRefused => Socks5Reply.ConnectionRefused,
        ProxyRefusalKind.TimedOut => Socks5Reply.TtlExpired,
        _ => Socks5Reply.GeneralFailure,
    };

    private static async Task<(byte, ProxyRequest)?> FailAsync(PipeWriter output, ProxySessionState session, Socks5Reply code, string reason)
    {
        session.Refuse(reason);
        await SendAsync(output, Reply(code, null)).ConfigureAwait(false);
        return null;
    }

    private static (byte, ProxyRequest)? Left(ProxySessionState session)
    {
        session.Refuse("the client closed during the handshake");
        return null;
    }

    internal static async ValueTask SendAsync(PipeWriter output, byte[] bytes)
    {
        output.Write(bytes);
        await output.FlushAsync().ConfigureAwait(false);
    }

    internal static string Printable(string s) =>
        new([.. s.Take(64).Select(c => char.IsControl(c) ? '?' : c)]);
}

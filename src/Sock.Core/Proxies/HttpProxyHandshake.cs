using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Sock.Core.Endpoints;

namespace Sock.Core.Proxies;

/// <summary>
/// The server's side of an HTTP proxy request: CONNECT host:port (a tunnel, answered 200 once the destination is
/// connected), or a request with an absolute URI (<c>GET http://host/path HTTP/1.1</c>), forwarded in origin form with
/// the hop-by-hop headers taken out and <c>Connection: close</c> put in, so the response and the close end the exchange.
/// The head is read strictly (request line, then header lines of name: value, no folding) and at most
/// <see cref="ProxyServerOptions.MaxHeaderBytes"/> of it; anything else is answered 400 (431 for a head too long, 408
/// for one too slow, 407 for missing or wrong credentials, 501 for https:// to forward) and closed.
/// </summary>
internal static class HttpProxyHandshake
{
    /// <summary>What the client asked for; <see cref="ForwardHead"/> is what goes to the destination first (null for CONNECT).</summary>
    public sealed record Request(string Method, ProxyRequest Destination, byte[]? ForwardHead, string Version);

    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authorization", "Proxy-Authenticate", "TE", "Trailer", "Upgrade",
    };

    public static async Task<Request?> ReadAsync(PipeReader input, PipeWriter output, ProxyServerOptions options, HttpProxyAuthentication? auth,
        ProxySessionState session, CancellationToken ct)
    {
        session.Protocol = "http";
        string head;
        try
        {
            var text = await ReadHeadAsync(input, options.MaxHeaderBytes, ct).ConfigureAwait(false);
            if (text is null)
            {
                session.Refuse("the client closed during the handshake");
                return null;
            }
            if (text.Length == 0)
                return await FailAsync(output, session, 431, "Request Header Fields Too Large", $"request head longer than {options.MaxHeaderBytes} bytes").ConfigureAwait(false);
            head = text;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return await FailAsync(output, session, 408, "Request Timeout", $"handshake not finished within {Errors.Durations.Format(options.HandshakeTimeout)}").ConfigureAwait(false);
        }
        var lines = head.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        while (lines.Count > 0 && lines[0].Length == 0) lines.RemoveAt(0); // empty lines before a request line are allowed (RFC 9112 §2.2)
        var parts = lines.Count == 0 ? [] : lines[0].Split(' ');
        if (parts.Length != 3 || parts[0].Length == 0 || !parts[0].All(IsTokenChar) || parts[2] is not ("HTTP/1.1" or "HTTP/1.0"))
            return await FailAsync(output, session, 400, "Bad Request", "malformed request line").ConfigureAwait(false);
        var (method, target, version) = (parts[0], parts[1], parts[2]);
        session.Command = method.ToLowerInvariant();
        var headers = new List<(string Name, string Value)>();
        foreach (var line in lines.Skip(1))
        {
            if (line.Length == 0) break;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !line[..colon].All(IsTokenChar) || line.Any(c => char.IsControl(c) && c != '\t'))
                return await FailAsync(output, session, 400, "Bad Request", "malformed header line").ConfigureAwait(false);
            headers.Add((line[..colon], line[(colon + 1)..].Trim(' ', '\t')));
        }
        ProxyRequest destination;
        string path = "";
        if (method == "CONNECT")
        {
            if (ParseAuthority(target, defaultPort: null) is not { } d)
                return await FailAsync(output, session, 400, "Bad Request", "CONNECT needs host:port").ConfigureAwait(false);
            destination = d;
        }
        else if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = target[7..];
            var end = rest.IndexOfAny(['/', '?', '#']);
            var authority = end < 0 ? rest : rest[..end];
            path = end < 0 ? "/" : rest[end] == '/' ? rest[end..] : "/" + rest[end..];
            var hash = path.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0) path = path[..hash];
            if (authority.Contains('@', StringComparison.Ordinal) || ParseAuthority(authority, defaultPort: 80) is not { } d)
                return await FailAsync(output, session, 400, "Bad Request", "malformed URI").ConfigureAwait(false);
            destination = d;
        }
        else if (target.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            return await FailAsync(output, session, 501, "Not Implemented", "https:// is not forwarded (use CONNECT)").ConfigureAwait(false);
        else
            return await FailAsync(output, session, 400, "Bad Request", "not a proxy request (the target is not an absolute URI and the method not CONNECT)").ConfigureAwait(false);
        session.Destination = destination.ToString();
        if (auth is not null)
        {
            var authorization = headers.Where(h => h.Name.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();
            var (user, why, stale) = auth.Check(authorization, method, target);
            if (user is null)
            {
                session.Refuse(why);
                await SendAsync(output, Response(407, "Proxy Authentication Required", why, auth.Challenges(stale))).ConfigureAwait(false);
                return null;
            }
            session.User = user;
        }
        if (method == "CONNECT") return new Request(method, destination, null, version);
        // Forwarded in origin form, without what belonged to this hop.
        var named = headers.Where(h => h.Name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            .SelectMany(h => h.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var sb = new StringBuilder(head.Length);
        sb.Append(method).Append(' ').Append(path).Append(' ').Append(version).Append("\r\n");
        if (!headers.Any(h => h.Name.Equals("Host", StringComparison.OrdinalIgnoreCase)))
            sb.Append("Host: ").Append(target[7..].Split('/', '?', '#')[0]).Append("\r\n");
        foreach (var (name, value) in headers)
            if (!HopByHop.Contains(name) && !named.Contains(name)) sb.Append(name).Append(": ").Append(value).Append("\r\n");
        sb.Append("Connection: close\r\n\r\n");
        return new Request(method, destination, Encoding.Latin1.GetBytes(sb.ToString()), version);
    }

    /// <summary>host:port (port required unless <paramref name="defaultPort"/>), [v6]:port; null if malformed.</summary>
    internal static ProxyRequest? ParseAuthority(string authority, int? defaultPort)
    {
        string host;
        string? port;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) return null;
            host = authority[1..close];
            var rest = authority[(close + 1)..];
            if (rest.Length > 0 && rest[0] != ':') return null;
            port = rest.Length > 1 ? rest[1..] : null;
            if (!IPAddress.TryParse(host, out _)) return null;
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
            port = colon < 0 ? null : authority[(colon + 1)..];
            if (host.Contains(':', StringComparison.Ordinal)) return null;
        }
        int p;
        if (port is null || port.Length == 0)
        {
            if (defaultPort is not { } d) return null;
            p = d;
        }
        else if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out p) || p is < 1 or > 65535) return null;
        if (host.Length == 0) return null;
        if (IPAddress.TryParse(host, out var a) && EndpointText.LooksLikeAddress(host)) return new ProxyRequest(null, a, p);
        return Socks5ServerHandshake.IsHostName(host) && !host.Contains(':', StringComparison.Ordinal) ? new ProxyRequest(host, null, p) : null;
    }

    /// <summary>
    /// The head up to and including the empty line; "" when it runs past <paramref name="max"/> bytes; null when the
    /// client closed before finishing it. What follows the head stays in the pipe.
    /// </summary>
    private static async Task<string?> ReadHeadAsync(PipeReader input, int max, CancellationToken ct)
    {
        while (true)
        {
            var r = await input.ReadAsync(ct).ConfigureAwait(false);
            var buffer = r.Buffer;
            if (FindHead(buffer, max) is var (text, position))
            {
                input.AdvanceTo(position);
                return text;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            if (buffer.Length >= max) return "";
            if (r.IsCompleted) return null;
        }
    }

    private static (string, SequencePosition)? FindHead(ReadOnlySequence<byte> buffer, int max)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> headBytes, "\r\n\r\n"u8, advancePastDelimiter: true) || headBytes.Length + 4 > max) return null;
        return (Encoding.Latin1.GetString(headBytes) + "\r\n", reader.Position);
    }

    public static byte[] Response(int code, string reason, string? body, IEnumerable<string>? headers = null)
    {
        var text = body is null ? "" : body + "\n";
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {code} {reason}\r\n");
        foreach (var h in headers ?? []) sb.Append(h).Append("\r\n");
        sb.Append("Server: sock\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"Content-Length: {Encoding.UTF8.GetByteCount(text)}\r\n\r\n").Append(text);
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    public static (int Code, string Reason) Status(ProxyRefusalKind kind) => kind switch
    {
        ProxyRefusalKind.NotAllowed => (403, "Forbidden"),
        ProxyRefusalKind.TimedOut => (504, "Gateway Timeout"),
        _ => (502, "Bad Gateway"),
    };

    private static async Task<Request?> FailAsync(PipeWriter output, ProxySessionState session, int code, string reason, string why)
    {
        session.Refuse(why);
        await SendAsync(output, Response(code, reason, why)).ConfigureAwait(false);
        return null;
    }

    internal static async ValueTask SendAsync(PipeWriter output, byte[] bytes)
    {
        output.Write(bytes);
        await output.FlushAsync().ConfigureAwait(false);
    }

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
}

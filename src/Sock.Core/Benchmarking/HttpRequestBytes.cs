using System.Text;
using Sock.Core.Errors;

namespace Sock.Core.Benchmarking;

/// <summary>
/// The one request an HTTP/1.1 run sends again and again, written out once: request line, Host (the URL's authority,
/// as curl and wrk send it), User-Agent, Accept, the run's headers, Content-Length and the body.
/// </summary>
internal static class HttpRequestBytes
{
    public static byte[] Build(HttpBenchTarget http)
    {
        var method = Method(http);
        var given = http.Headers.Select(h => h.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var text = new StringBuilder();
        text.Append(method).Append(' ').Append(http.Url.PathAndQuery).Append(" HTTP/1.1\r\n");
        if (!given.Contains("Host")) text.Append("Host: ").Append(http.Url.Authority).Append("\r\n");
        if (!given.Contains("User-Agent")) text.Append("User-Agent: sock-bench\r\n");
        if (!given.Contains("Accept")) text.Append("Accept: */*\r\n");
        foreach (var (name, value) in http.Headers)
        {
            if (value.Length == 0) continue; // 'Name:' removes a default, as in sock http
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                throw SockException.Usage("-H", $"{name}: {value}", "the body's length is sock's to say");
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        if (http.Body is { } body) text.Append("Content-Length: ").Append(body.Length).Append("\r\n");
        text.Append("\r\n");
        var head = Encoding.Latin1.GetBytes(text.ToString());
        return http.Body is { } b ? [.. head, .. b.Span] : head;
    }

    public static string Method(HttpBenchTarget http) => http.Method ?? (http.Body is null ? "GET" : "POST");
}

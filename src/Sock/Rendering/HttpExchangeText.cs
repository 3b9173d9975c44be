using System.Text;
using Sock.Core.Http;

namespace Sock.Cli.Rendering;

/// <summary>
/// An HTTP exchange as curl shows it: with -v on stderr, '*' for what happened to the socket and the TLS session, '>'
/// for the request's lines, '<' for the response's; with -i, the response's status line and headers on stdout before
/// the body, CRLF-terminated as they came.
/// </summary>
internal sealed class HttpExchangeText(TextWriter? verbose, Stream? include) : IHttpFetchObserver
{
    public void Connected(HttpSocketInfo socket) =>
        Say($"* Connected to {socket.Remote} from {socket.Local}: socket {socket.Handle} ({socket.Transport})");

    public void Secured(IReadOnlyList<string> session)
    {
        foreach (var line in session) Say($"* {line}");
    }

    public void RequestSent(string requestLine, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        if (verbose is null) return;
        verbose.WriteLine($"> {requestLine}");
        foreach (var (name, value) in headers) verbose.WriteLine($"> {name}: {value}");
        verbose.WriteLine(">");
        verbose.Flush();
    }

    public void ResponseReceived(string statusLine, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        if (verbose is not null)
        {
            verbose.WriteLine($"< {statusLine}");
            foreach (var (name, value) in headers) verbose.WriteLine($"< {name}: {value}");
            verbose.WriteLine("<");
            verbose.Flush();
        }
        if (include is not null)
        {
            var text = new StringBuilder();
            text.Append(statusLine).Append("\r\n");
            foreach (var (name, value) in headers) text.Append(name).Append(": ").Append(value).Append("\r\n");
            text.Append("\r\n");
            include.Write(Encoding.Latin1.GetBytes(text.ToString()));
            include.Flush();
        }
    }

    public void Closed(HttpSocketInfo socket) =>
        Say($"* Closed socket {socket.Handle}: {socket.BytesSent} bytes sent in {Count(socket.Sends, "send")}, "
            + $"{socket.BytesReceived} bytes received in {Count(socket.Receives, "recv")}");

    private static string Count(long n, string call) => $"{n} {call}{(n == 1 ? "" : "s")}";

    private void Say(string line)
    {
        if (verbose is null) return;
        verbose.WriteLine(line);
        verbose.Flush();
    }
}

using System.Text.RegularExpressions;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Http;

/// <summary>
/// Python's http.server as the peer: SimpleHTTPRequestHandler serving a directory (content types, 404s, directory
/// listings as Python makes them), over TCP/IPv4, TCP/IPv6, a Unix socket or TLS, speaking HTTP/1.1 with keep-alive.
/// Two additions of the test's own: POST answers with the request's body byte for byte (its Content-Type echoed), and
/// /status/NNN answers NNN, /chunked answers "hello chunks" in three chunks (with a chunk extension and a trailer). With
/// <c>http10</c> it speaks HTTP/1.0 as `python3 -m http.server` does: one response per connection, then close. The server
/// binds port 0 and says which port it took.
/// </summary>
public sealed class PythonHttpServer : IAsyncDisposable
{
    private const string Script = """
        import functools, http.server, os, socket, socketserver, ssl, sys
        kind, directory = sys.argv[1], sys.argv[2]
        http10 = kind.endswith("-http10")
        kind = kind.replace("-http10", "")
        class Handler(http.server.SimpleHTTPRequestHandler):
            protocol_version = "HTTP/1.0" if http10 else "HTTP/1.1"
            def address_string(self):
                return "unix" if kind == "unix" else super().address_string()
            def do_GET(self):
                if self.path.startswith("/status/"):
                    code = int(self.path[8:])
                    body = ("status %d\n" % code).encode()
                    self.send_response(code)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if self.path == "/chunked":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    self.wfile.write(b"5;ext=1\r\nhello\r\n1\r\n \r\n6\r\nchunks\r\n0\r\nX-Trailer: yes\r\n\r\n")
                    return
                super().do_GET()
            def do_POST(self):
                data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.send_response(200)
                self.send_header("Content-Type", self.headers.get("Content-Type", "application/octet-stream"))
                self.send_header("Content-Length", str(len(data)))
                self.send_header("X-Method", self.command)
                self.end_headers()
                self.wfile.write(data)
        handler = functools.partial(Handler, directory=directory)
        if kind == "unix":
            class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
                daemon_threads = True
            server = Server(sys.argv[3], handler)
            print("ready " + sys.argv[3], file=sys.stderr, flush=True)
        else:
            class Server(http.server.ThreadingHTTPServer):
                address_family = socket.AF_INET6 if kind == "tcp6" else socket.AF_INET
            server = Server(("::1" if kind == "tcp6" else "127.0.0.1", 0), handler)
            if len(sys.argv) > 4:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(sys.argv[3], sys.argv[4])
                server.socket = context.wrap_socket(server.socket, server_side=True)
            print("ready %d" % server.server_address[1], file=sys.stderr, flush=True)
        server.serve_forever()
        """;

    private readonly RunningProcess _process;
    private readonly TempDirectory _scriptDir;

    private PythonHttpServer(RunningProcess process, TempDirectory scriptDir, string transport, string where)
    {
        _process = process;
        _scriptDir = scriptDir;
        Transport = transport;
        Where = where;
    }

    public string Transport { get; }

    /// <summary>The port (TCP) or the socket path (Unix).</summary>
    public string Where { get; }

    /// <summary>The URL of <paramref name="path"/> on this server (for Unix, a URL naming localhost: the socket goes with --unix-socket).</summary>
    public string Url(string path, string scheme = "http") => Transport switch
    {
        Transports.Tcp6 => $"{scheme}://[::1]:{Where}{path}",
        Transports.Unix => $"{scheme}://localhost{path}",
        _ => $"{scheme}://127.0.0.1:{Where}{path}",
    };

    /// <summary>The options that make a client (sock http or curl) reach this server: --unix-socket PATH for Unix.</summary>
    public string[] ClientArgs => Transport == Transports.Unix ? ["--unix-socket", Where] : [];

    /// <summary>Starts the server for <paramref name="transport"/> (tcp4, tcp6, unix) serving <paramref name="directory"/>; TLS with a certificate and key.</summary>
    public static async Task<PythonHttpServer> StartAsync(string transport, string directory, string? certFile = null, string? keyFile = null, bool http10 = false)
    {
        var scriptDir = new TempDirectory("sock-http-py-");
        var script = scriptDir.File("server.py");
        await File.WriteAllTextAsync(script, Script);
        List<string> args = ["-u", script, http10 ? transport + "-http10" : transport, directory];
        if (transport == Transports.Unix) args.Add(scriptDir.File($"http-{Environment.ProcessId}.sock"));
        else if (certFile is not null) args.AddRange([certFile, keyFile!]);
        var process = RunningProcess.Tool("python3", false, [.. args]);
        try
        {
            // Python starts slowly on a loaded machine: the bound is generous, and it is the server's own start it waits for.
            var ready = await process.WaitForStderrAsync(@"^ready (.+)$", seconds: 60);
            return new PythonHttpServer(process, scriptDir, transport, ready.Groups[1].Value);
        }
        catch
        {
            await process.DisposeAsync();
            scriptDir.Dispose();
            throw;
        }
    }

    /// <summary>The server's log lines so far (one per request).</summary>
    public IReadOnlyList<string> Log => _process.StderrLines;

    /// <summary>How many requests for <paramref name="path"/> the server has logged.</summary>
    public int Logged(string path) => Log.Count(l => l.Contains($"\"GET {path} HTTP/1.1\"", StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _scriptDir.Dispose();
    }

    /// <summary>A self-signed certificate for <paramref name="names"/> (subjectAltName entries such as DNS:localhost, IP:127.0.0.1) made by openssl.</summary>
    public static async Task<(string Cert, string Key)> MakeCertificateAsync(TempDirectory dir, string names)
    {
        var cert = dir.File("cert.pem");
        var key = dir.File("key.pem");
        var made = await ProcessRunner.RunAsync(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=sock-http-test", "-addext", $"subjectAltName={names}"], timeout: TimeSpan.FromSeconds(60));
        Assert.True(made.ExitCode == 0, made.ToString());
        return (cert, key);
    }

    /// <summary>Status, the headers (names in lower case, last value wins) and whether it parsed, from a raw HTTP/1.x header block.</summary>
    public static (int Status, Dictionary<string, string> Headers) ParseHead(string head)
    {
        var lines = head.Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var status = int.Parse(Regex.Match(lines[0], @"^HTTP/[\d.]+ (\d{3})").Groups[1].Value);
        var headers = new Dictionary<string, string>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon > 0) headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }
        return (status, headers);
    }
}

using System.Net;
using System.Net.Sockets;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Http;

/// <summary>
/// nginx (Debian's nginx-light) as the peer, from a configuration generated for the test: one process (no master, no
/// daemon), serving a directory on 127.0.0.1 at a free port, in clear text or TLS, HTTP/1.1 or HTTP/2 (over TLS by ALPN,
/// in clear text by prior knowledge), logs and temporary files in its own directory.
/// </summary>
public sealed class NginxServer : IAsyncDisposable
{
    private readonly RunningProcess _process;
    private readonly TempDirectory _dir;

    private NginxServer(RunningProcess process, TempDirectory dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The lines of the access log so far (one per request answered), when it was asked for.</summary>
    public string[] AccessLog => File.Exists(_dir.File("access.log")) ? File.ReadAllLines(_dir.File("access.log")) : [];

    /// <summary>Starts nginx serving <paramref name="root"/>; TLS with <paramref name="cert"/> and <paramref name="key"/>, HTTP/2 with <paramref name="http2"/>.</summary>
    public static async Task<NginxServer> StartAsync(string root, bool http2, string? cert = null, string? key = null, bool accessLog = false)
    {
        var dir = new TempDirectory("sock-http-nginx-");
        // nginx cannot say which port it took for port 0: a free one is found first (another process could take it in
        // between; the readiness check below would then fail and say so).
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        var listen = $"127.0.0.1:{port}" + (cert is not null ? " ssl" : "") + (http2 ? " http2" : "");
        var tls = cert is null ? "" : $"ssl_certificate {cert}; ssl_certificate_key {key};";
        var conf = dir.File("nginx.conf");
        await File.WriteAllTextAsync(conf, $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            pid {{dir.File("nginx.pid")}};
            error_log {{dir.File("error.log")}} warn;
            events { worker_connections 1024; }
            http {
                {{(accessLog ? $"access_log {dir.File("access.log")};" : "access_log off;")}}
                client_body_temp_path {{dir.File("body")}};
                proxy_temp_path {{dir.File("proxy")}};
                fastcgi_temp_path {{dir.File("fastcgi")}};
                uwsgi_temp_path {{dir.File("uwsgi")}};
                scgi_temp_path {{dir.File("scgi")}};
                types { text/plain txt; text/html html; application/octet-stream bin; }
                default_type application/octet-stream;
                keepalive_requests 1000000;
                server {
                    listen {{listen}};
                    root {{root}};
                    {{tls}}
                }
            }
            """);
        var process = RunningProcess.Tool("nginx", false, "-p", dir.Path, "-e", dir.File("error.log"), "-c", conf);
        var server = new NginxServer(process, dir, port);
        try
        {
            // Ready when it accepts a connection; bounded from here, where the clock starts.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
                    break;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline && !process.Process.HasExited)
                {
                    await Task.Delay(100);
                }
                catch (SocketException ex)
                {
                    var log = File.Exists(dir.File("error.log")) ? await File.ReadAllTextAsync(dir.File("error.log")) : "";
                    throw new InvalidOperationException($"nginx did not start on port {port}: {ex.SocketErrorCode}; {log} {string.Join(" | ", process.StderrLines)}");
                }
            }
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _dir.Dispose();
    }
}

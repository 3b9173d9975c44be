using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Sock.Tests.Support;

namespace Sock.Tests.Netcat;

/// <summary>A running sock (or peer tool) with binary stdout and line-by-line stderr, killed when disposed.</summary>
public sealed class RunningProcess : IAsyncDisposable
{
    private readonly List<string> _stderr = [];
    private readonly Task _stderrPump;
    private readonly SemaphoreSlim _newLine = new(0);
    private readonly MemoryStream _stdoutSoFar = new();
    private readonly SemaphoreSlim _newStdout = new(0);
    private TempDirectory? _dir;
    private long _stdoutLength;

    private RunningProcess(Process p, bool hashStdout)
    {
        Process = p;
        _stderrPump = Task.Run(async () =>
        {
            while (await p.StandardError.ReadLineAsync() is { } line)
            {
                lock (_stderr) _stderr.Add(line);
                _newLine.Release();
            }
        });
        Stdout = Task.Run(async () =>
        {
            var s = p.StandardOutput.BaseStream;
            if (hashStdout)
            {
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buf = new byte[256 * 1024];
                long total = 0;
                int n;
                while ((n = await s.ReadAsync(buf)) > 0) { sha.AppendData(buf, 0, n); total += n; Volatile.Write(ref _stdoutLength, total); }
                return (Array.Empty<byte>(), Convert.ToHexStringLower(sha.GetHashAndReset()), total);
            }
            var ms = new MemoryStream();
            var chunk = new byte[64 * 1024];
            int read;
            while ((read = await s.ReadAsync(chunk)) > 0)
            {
                lock (_stdoutSoFar) _stdoutSoFar.Write(chunk, 0, read);
                _newStdout.Release();
            }
            lock (_stdoutSoFar) ms.Write(_stdoutSoFar.GetBuffer(), 0, (int)_stdoutSoFar.Length);
            return (ms.ToArray(), Convert.ToHexStringLower(SHA256.HashData(ms.ToArray())), ms.Length);
        });
    }

    public Process Process { get; }

    /// <summary>How many bytes of a hashed stdout have been read so far.</summary>
    public long StdoutLengthSoFar => Volatile.Read(ref _stdoutLength);

    /// <summary>Stdout: its bytes (unless hashed), its SHA-256 and its length.</summary>
    public Task<(byte[] Bytes, string Sha256, long Length)> Stdout { get; }

    public Stream Stdin => Process.StandardInput.BaseStream;

    public string StdoutText => Encoding.UTF8.GetString(Stdout.Result.Bytes);

    public IReadOnlyList<string> StderrLines { get { lock (_stderr) return _stderr.ToList(); } }

    public static RunningProcess Sock(params string[] args) => new(SockRunner.Start(args), hashStdout: false);

    /// <summary>Watches a process the caller started (with every stream redirected).</summary>
    public static RunningProcess Of(Process p) => new(p, hashStdout: false);

    public static RunningProcess SockHashed(params string[] args) => new(SockRunner.Start(args), hashStdout: true);

    public static RunningProcess Tool(string name, bool hashStdout, params string[] args)
    {
        var psi = new ProcessStartInfo(name)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        return new RunningProcess(Process.Start(psi)!, hashStdout);
    }

    /// <summary>Waits for a stderr line matching <paramref name="pattern"/> and returns its match.</summary>
    public async Task<Match> WaitForStderrAsync(string pattern, double seconds = 15)
    {
        var re = new Regex(pattern);
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            foreach (var l in StderrLines)
            {
                var m = re.Match(l);
                if (m.Success) return m;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || Process.HasExited && _stderrPump.IsCompleted)
                throw new TimeoutException($"no stderr line like /{pattern}/; stderr: {string.Join(" | ", StderrLines)}");
            await _newLine.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>
    /// Waits until stdout (not hashed) holds <paramref name="text"/>, while the process runs; returns stdout so far. For a
    /// process whose output is to be checked before it is stopped.
    /// </summary>
    public async Task<string> WaitForStdoutAsync(string text, double seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            string so;
            lock (_stdoutSoFar) so = Encoding.UTF8.GetString(_stdoutSoFar.GetBuffer(), 0, (int)_stdoutSoFar.Length);
            if (so.Contains(text, StringComparison.Ordinal)) return so;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || Stdout.IsCompleted)
                throw new TimeoutException($"stdout never held {text.Trim()}; stdout: {so} | stderr: {string.Join(" | ", StderrLines)}");
            await _newStdout.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    public async Task<int> WaitForExitAsync(double seconds = 20)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            await Process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Process.StartInfo.FileName} {string.Join(' ', Process.StartInfo.ArgumentList)} did not exit in {seconds}s; stderr: {string.Join(" | ", StderrLines)}");
        }
        await Task.WhenAny(_stderrPump, Task.Delay(2000));
        return Process.ExitCode;
    }

    public void CloseStdin() => Process.StandardInput.Close();

    /// <summary>
    /// Deletes <paramref name="dir"/> when this is disposed, after the process is gone: for a directory that only lives
    /// as long as the process, such as the one holding its listening socket file.
    /// </summary>
    public RunningProcess Owning(TempDirectory dir)
    {
        _dir = dir;
        return this;
    }

    public async ValueTask DisposeAsync()
    {
        try { if (!Process.HasExited) Process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        await Task.WhenAny(Process.WaitForExitAsync(), Task.Delay(3000));
        Process.Dispose();
        _dir?.Dispose();
    }
}

/// <summary>Addresses and arguments per transport for the netcat tests.</summary>
public static class Net
{
    /// <summary>`sock listen` arguments that bind a fresh loopback port, or a socket path in <paramref name="dir"/>.</summary>
    public static string[] ListenArgs(string transport, TempDirectory dir, out string? unixPath)
    {
        unixPath = null;
        switch (transport)
        {
            case Transports.Tcp4: return ["127.0.0.1", "0"];
            case Transports.Tcp6: return ["::1", "0"];
            case Transports.Udp4: return ["-u", "127.0.0.1", "0"];
            case Transports.Udp6: return ["-u", "::1", "0"];
            case Transports.UnixDatagram:
                unixPath = dir.File("s.sock");
                return ["-u", "-U", unixPath];
            default:
                unixPath = dir.File("s.sock");
                return ["-U", unixPath];
        }
    }

    /// <summary>`listen` arguments for the serving engine <paramref name="engine"/> names (<see cref="Serving.Engines"/>): none for the default, epoll on Linux.</summary>
    public static string[] EngineArgs(string engine) =>
        engine.EndsWith(Serving.Engines.DotnetSuffix, StringComparison.Ordinal) ? ["--io-threads", "0"] : [];

    /// <summary>Starts `sock listen -v` with <paramref name="extra"/> and waits until it listens; returns its target.</summary>
    public static async Task<(RunningProcess Listener, Target Target)> StartListenerAsync(string transport, params string[] extra)
    {
        var dir = new TempDirectory("sock-nc-");
        var bind = ListenArgs(transport, dir, out var path);
        var p = RunningProcess.Sock(["listen", "-v", .. extra, .. bind]).Owning(dir);
        try
        {
            var m = await p.WaitForStderrAsync(@"^Listening on (\S+)");
            return (p, TargetFrom(transport, m.Groups[1].Value, path));
        }
        catch
        {
            // The caller never gets the process to dispose.
            await p.DisposeAsync();
            throw;
        }
    }

    public static Target TargetFrom(string transport, string listening, string? path)
    {
        if (path is not null) return new Target(transport, null, 0, path);
        var port = int.Parse(listening[(listening.LastIndexOf(':') + 1)..].Split(' ')[0]);
        var host = transport is Transports.Tcp6 or Transports.Udp6 ? "::1" : "127.0.0.1";
        return new Target(transport, host, port, null);
    }

    /// <summary>Waits until the kernel's table shows a listener on the port (or the socket file appears).</summary>
    public static async Task WaitListeningAsync(string transport, int port, string? path)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (path is not null ? File.Exists(path)
                : new Sock.Core.Inspection.ProcNetReader().Read(transport == Transports.Tcp6 ? Sock.Core.Inspection.SocketKinds.Tcp6 : Sock.Core.Inspection.SocketKinds.Tcp4).Any(r => r.LocalPort == port && r.State == "LISTEN"))
                return;
            await Task.Delay(20);
        }
        throw new TimeoutException($"nothing listened on {path ?? port.ToString()}");
    }

    /// <summary>A test-side listening socket for <paramref name="transport"/>.</summary>
    public static (Socket Socket, Target Target) TestListener(string transport)
    {
        var ep = Transports.BindEndPoint(transport);
        var type = Transports.SocketTypeOf(transport);
        var s = new Socket(ep.AddressFamily, type, ep.AddressFamily == AddressFamily.Unix ? ProtocolType.Unspecified : type == SocketType.Dgram ? ProtocolType.Udp : ProtocolType.Tcp);
        s.Bind(ep);
        if (type == SocketType.Stream) s.Listen(16);
        var target = s.LocalEndPoint switch
        {
            IPEndPoint ip => new Target(transport, ip.Address.ToString(), ip.Port, null),
            _ => new Target(transport, null, 0, ((UnixDomainSocketEndPoint)ep).ToString()),
        };
        return (s, target);
    }

    public static async Task<byte[]> ReadToEndAsync(Socket s, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        var ms = new MemoryStream();
        var buf = new byte[65536];
        int n;
        while ((n = await s.ReceiveAsync(buf, SocketFlags.None, cts.Token)) > 0) ms.Write(buf, 0, n);
        return ms.ToArray();
    }

    /// <summary>Reads until <paramref name="text"/> has arrived (or the peer closes).</summary>
    public static async Task<string> ReadUntilAsync(Socket s, string text, double seconds = 10)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var sb = new StringBuilder();
        var buf = new byte[4096];
        while (!sb.ToString().Contains(text, StringComparison.Ordinal))
        {
            var n = await s.ReceiveAsync(buf, SocketFlags.None, cts.Token);
            if (n == 0) break;
            sb.Append(Encoding.UTF8.GetString(buf, 0, n));
        }
        return sb.ToString();
    }
}

/// <summary>Where a test connects: an IP port or a Unix socket path.</summary>
public sealed record Target(string Transport, string? Host, int Port, string? Path)
{
    /// <summary>`sock connect` arguments for this target.</summary>
    public string[] ConnectArgs => Path is not null ? Transport == Transports.UnixDatagram ? ["-u", "-U", Path] : ["-U", Path] : Transport is Transports.Udp4 or Transports.Udp6 ? ["-u", Host!, Port.ToString()] : [Host!, Port.ToString()];

    public EndPoint EndPoint => Path is not null ? new UnixDomainSocketEndPoint(Path) : new IPEndPoint(IPAddress.Parse(Host!), Port);

    public async Task<Socket> ConnectAsync()
    {
        var ep = EndPoint;
        var type = Transports.SocketTypeOf(Transport);
        var s = new Socket(ep.AddressFamily, type, ep.AddressFamily == AddressFamily.Unix ? ProtocolType.Unspecified : type == SocketType.Dgram ? ProtocolType.Udp : ProtocolType.Tcp);
        // A Unix datagram client gets replies only at a path of its own.
        if (Transport == Transports.UnixDatagram) s.Bind(Transports.BindEndPoint(Transports.UnixDatagram));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await s.ConnectAsync(ep, cts.Token);
        return s;
    }
}

using System.Net;
using System.Net.Sockets;
using Sock.Tests.Netcat;

namespace Sock.Tests.Forwarding;

/// <summary>A running `sock forward` and the address it listens on (read from its "listening on" line).</summary>
internal sealed class ForwardProcess : IAsyncDisposable
{
    private ForwardProcess(RunningProcess process, EndPoint bound)
    {
        Process = process;
        Bound = bound;
    }

    public RunningProcess Process { get; }

    public EndPoint Bound { get; }

    public int Pid => Process.Process.Id;

    /// <summary>Starts `sock forward ARGS` and waits until it listens.</summary>
    public static async Task<ForwardProcess> StartAsync(params string[] args)
    {
        var p = RunningProcess.Sock(["forward", .. args]);
        try
        {
            var m = await p.WaitForStderrAsync(@"^forward: listening on (\w+) (\S+), forwarding to", 30);
            return new ForwardProcess(p, Parse(m.Groups[1].Value, m.Groups[2].Value.TrimEnd(',')));
        }
        catch
        {
            await p.DisposeAsync();
            throw;
        }
    }

    /// <summary>A client socket connected to the forwarder.</summary>
    public async Task<Socket> ConnectAsync()
    {
        // A Unix listener whose backlog is full refuses at once (EAGAIN) where TCP would queue the SYN: a client tries again,
        // a bounded number of times.
        for (var attempt = 1; ; attempt++)
        {
            var s = new Socket(Bound.AddressFamily, SocketType.Stream, Bound is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                await s.ConnectAsync(Bound, cts.Token);
                return s;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.WouldBlock && Bound is UnixDomainSocketEndPoint && attempt < 100)
            {
                s.Dispose();
                await Task.Delay(20);
            }
            catch
            {
                s.Dispose();
                throw;
            }
        }
    }

    /// <summary>True when the forwarder closed <paramref name="s"/> without a byte: an end of stream or a reset (both refuse).</summary>
    public static async Task<bool> ClosedAsync(Socket s)
    {
        try
        {
            return (await Netcat.Net.ReadToEndAsync(s, TimeSpan.FromSeconds(20))).Length == 0;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
    }

    /// <summary>Sends SIGTERM and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(double seconds = 30)
    {
        Signal("TERM");
        return await Process.WaitForExitAsync(seconds);
    }

    public void Signal(string name)
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-" + name, Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>
    /// Open socket descriptors of the forwarder now (/proc/PID/fd): the runtime opens files of its own as it goes (a
    /// library loaded late, an eventfd), which are no connection's.
    /// </summary>
    public int OpenDescriptors() => Directory.GetFiles($"/proc/{Pid}/fd").Count(f =>
    {
        try { return new FileInfo(f).LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true; }
        catch (IOException) { return false; } // closed while listed
    });

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    private static EndPoint Parse(string kind, string address)
    {
        if (kind == "unix") return new UnixDomainSocketEndPoint(address.StartsWith('@') ? "\0" + address[1..] : address);
        var colon = address.LastIndexOf(':');
        var host = address[..colon].Trim('[', ']');
        var port = int.Parse(address[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var ip = IPAddress.Parse(host);
        // A wildcard listener is reached on loopback.
        if (ip.Equals(IPAddress.IPv6Any)) ip = IPAddress.IPv6Loopback;
        if (ip.Equals(IPAddress.Any)) ip = IPAddress.Loopback;
        return new IPEndPoint(ip, port);
    }
}

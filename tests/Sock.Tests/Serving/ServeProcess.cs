using System.Diagnostics;
using System.Text.RegularExpressions;
using Sock.Tests.Support;

namespace Sock.Tests.Serving;

/// <summary>The built sock running `sock serve …` as a separate process, with its stderr collected and the ports it printed.</summary>
internal sealed partial class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _stderr = [];
    private readonly List<string> _stdout = [];
    private readonly Task _readers;

    private ServeProcess(Process process)
    {
        _process = process;
        _readers = Task.WhenAll(Pump(process.StandardError, _stderr), Pump(process.StandardOutput, _stdout));
    }

    public int Pid => _process.Id;

    public IReadOnlyList<string> StderrLines { get { lock (_stderr) return [.. _stderr]; } }

    public IReadOnlyList<string> StdoutLines { get { lock (_stdout) return [.. _stdout]; } }

    /// <summary>Starts sock serve and waits for its "serving NAME (…) on PROTO ADDR" lines.</summary>
    public static Task<ServeProcess> StartAsync(string args, int expectListeners, string[]? prefix = null) =>
        StartAsync(SockRunner.Command(args.Split(' ', StringSplitOptions.RemoveEmptyEntries), prefix), expectListeners);

    /// <summary>Starts <paramref name="command"/> (a whole command line that runs sock serve) and waits for its listeners.</summary>
    public static async Task<ServeProcess> StartAsync(IReadOnlyList<string> command, int expectListeners)
    {
        var p = new ServeProcess(ProcessRunner.Start(command));
        var deadline = Environment.TickCount64 + 30_000;
        while (p.Listeners().Count < expectListeners)
        {
            if (p._process.HasExited || Environment.TickCount64 > deadline)
            {
                await p.DisposeAsync();
                throw new InvalidOperationException($"sock serve did not start: {string.Join('\n', p.StderrLines)}");
            }
            await Task.Delay(50);
        }
        return p;
    }

    /// <summary>(service, protocol) → the address printed, e.g. ("echo", "tcp") → "127.0.0.1:40123".</summary>
    public Dictionary<(string Service, string Protocol), string> Listeners()
    {
        var result = new Dictionary<(string, string), string>();
        foreach (var line in StderrLines)
        {
            var m = ServingLine().Match(line);
            if (m.Success) result[(m.Groups[1].Value, m.Groups[2].Value)] = m.Groups[3].Value;
        }
        // With --json the same news is a "serving" event on stdout.
        foreach (var line in StdoutLines)
        {
            if (!line.StartsWith('{')) continue;
            using var doc = System.Text.Json.JsonDocument.Parse(line);
            var e = doc.RootElement;
            if (e.GetProperty("event").GetString() == "serving")
                result[(e.GetProperty("service").GetString()!, e.GetProperty("protocol").GetString()!)] = e.GetProperty("address").GetString()!;
        }
        return result;
    }

    public int Port(string service, string protocol) => int.Parse(Listeners()[(service, protocol)].Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Sends a signal by number (15 SIGTERM, 2 SIGINT, 10 SIGUSR1).</summary>
    public Task SignalAsync(string signal) => ExternalTool.RunAsync("kill", "-" + signal, Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        await _readers.WaitAsync(TimeSpan.FromSeconds(5));
        return _process.ExitCode;
    }

    /// <summary>Waits for a stdout line matching <paramref name="predicate"/>.</summary>
    public async Task<string> WaitForStdoutAsync(Func<string, bool> predicate, TimeSpan? timeout = null)
    {
        var deadline = Environment.TickCount64 + (long)(timeout ?? TimeSpan.FromSeconds(10)).TotalMilliseconds;
        while (true)
        {
            var hit = StdoutLines.FirstOrDefault(predicate);
            if (hit is not null) return hit;
            if (Environment.TickCount64 > deadline) throw new TimeoutException($"no such stdout line; got:\n{string.Join('\n', StdoutLines)}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits for a stderr line matching <paramref name="predicate"/>.</summary>
    public async Task<string> WaitForStderrAsync(Func<string, bool> predicate, TimeSpan? timeout = null)
    {
        var deadline = Environment.TickCount64 + (long)(timeout ?? TimeSpan.FromSeconds(10)).TotalMilliseconds;
        while (true)
        {
            var hit = StderrLines.FirstOrDefault(predicate);
            if (hit is not null) return hit;
            if (Environment.TickCount64 > deadline) throw new TimeoutException($"no such stderr line; got:\n{string.Join('\n', StderrLines)}");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// The open descriptors of the process as "fd → target" (socket:[inode], anon_inode:[eventpoll], a path), from
    /// /proc; one closed while being listed is left out.
    /// </summary>
    public SortedDictionary<int, string> OpenFileDescriptorTargets()
    {
        var result = new SortedDictionary<int, string>();
        foreach (var entry in Directory.GetFileSystemEntries($"/proc/{Pid}/fd"))
        {
            try
            {
                if (new FileInfo(entry).LinkTarget is { } target)
                    result[int.Parse(Path.GetFileName(entry), System.Globalization.CultureInfo.InvariantCulture)] = target;
            }
            catch (IOException)
            {
            }
        }
        return result;
    }

    /// <summary>A field of /proc/PID/status in KiB (VmRSS, VmHWM).</summary>
    public long StatusKiB(string field)
    {
        var line = File.ReadLines($"/proc/{Pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private static async Task Pump(StreamReader reader, List<string> into)
    {
        while (await reader.ReadLineAsync() is { } line)
            lock (into) into.Add(line);
    }

    [GeneratedRegex(@"^serving (\S+) \(.*\) on (tcp|udp|unix|unixgram) (.+)$")]
    private static partial Regex ServingLine();
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Sock.Tests.Support;

namespace Sock.Tests.Peer;

/// <summary>
/// A `sock rendezvous -v` the test runs (inside a namespace when given): started and waited for until it says it
/// listens; stopped with SIGTERM, after which its counters line is parsed. Disposing kills it if still running.
/// </summary>
internal sealed partial class RendezvousProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Task _reader;

    private RendezvousProcess(Process process)
    {
        _process = process;
        _reader = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
                lock (_stderr) _stderr.AppendLine(line);
        });
    }

    /// <summary>Everything it wrote to stderr so far.</summary>
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    public static async Task<RendezvousProcess> StartAsync(IEnumerable<string> args, IEnumerable<string>? prefix = null)
    {
        var p = new RendezvousProcess(SockRunner.Start(["rendezvous", "-v", .. args], prefix: prefix));
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (p.Stderr.Contains("rendezvous on", StringComparison.Ordinal)) return p;
            if (p._process.HasExited) break;
            await Task.Delay(50);
        }
        var said = p.Stderr;
        await p.DisposeAsync();
        throw new InvalidOperationException($"sock rendezvous did not start: {said}");
    }

    /// <summary>SIGTERM, then its closing counters.</summary>
    public async Task<(int Introductions, int Relays, long ProtocolIn, long ProtocolOut, long Relayed, string Stderr)> StopAsync()
    {
        await ProcessRunner.RunAsync(["kill", "-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _process.WaitForExitAsync(limit.Token);
        await _reader.WaitAsync(TimeSpan.FromSeconds(5));
        var text = Stderr;
        var m = Counters().Match(text);
        if (!m.Success) throw new InvalidOperationException($"no counters line from sock rendezvous: {text}");
        static long N(Group g) => long.Parse(g.Value, CultureInfo.InvariantCulture);
        return ((int)N(m.Groups[1]), (int)N(m.Groups[2]), N(m.Groups[3]), N(m.Groups[4]), N(m.Groups[5]), text);
    }

    [GeneratedRegex(@"(\d+) introductions, (\d+) relays; protocol bytes (\d+) in, (\d+) out; relayed bytes (\d+)")]
    private static partial Regex Counters();

    public async ValueTask DisposeAsync()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        try { await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)); }
        catch (TimeoutException) { }
        _process.Dispose();
    }
}

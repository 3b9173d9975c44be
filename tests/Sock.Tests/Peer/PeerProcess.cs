using System.Diagnostics;
using Sock.Tests.Support;

namespace Sock.Tests.Peer;

/// <summary>
/// A `sock peer` process whose stdin is a file holding the given bytes, with its stdout collected as bytes and stderr as
/// text.
/// <para>
/// A file, not a pipe the test writes: when the other peer has closed its side, a relay gives its input up once that
/// input has been quiet for <c>Relay.PeerClosedGrace</c> (500 ms, as socat's -t), so a pipe fed by a test host that a
/// busy machine holds up that long would cut the stream short, and the test would measure the host's scheduling. A
/// file never goes quiet, as `sock peer … &lt; file` would not for a user. (Seen: "A got 196608 bytes of 200000" in CI,
/// and the same cut on demand with a pipe that pauses 1.5 s after 192 KiB.)
/// </para>
/// </summary>
internal sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _input;
    private readonly Task<byte[]> _stdout;
    private readonly Task<string> _stderr;

    private PeerProcess(Process process, string input)
    {
        _process = process;
        _input = input;
        _process.StandardInput.Close();
        _stdout = ReadAllAsync(process.StandardOutput.BaseStream);
        _stderr = process.StandardError.ReadToEndAsync();
    }

    /// <summary>Starts sock with <paramref name="args"/> (under <paramref name="prefix"/>, ip netns exec …), stdin a file of <paramref name="input"/>.</summary>
    public static PeerProcess Start(IEnumerable<string> args, byte[] input, IEnumerable<string>? prefix = null)
    {
        var file = Path.Combine(Path.GetTempPath(), $"sock-peer-in-{Environment.ProcessId}-{Guid.NewGuid():N}");
        File.WriteAllBytes(file, input);
        // sh opens the file as stdin and execs the rest ($0 is the file): the prefix and sock inherit it.
        string[] redirect = ["sh", "-c", "exec \"$@\" < \"$0\"", file];
        return new(SockRunner.Start(args, prefix: [.. redirect, .. prefix ?? []]), file);
    }

    /// <summary>Waits for exit (killing it after <paramref name="limit"/>) and returns exit code, stdout bytes and stderr.</summary>
    public async Task<(int ExitCode, byte[] Stdout, string Stderr)> WaitAsync(TimeSpan limit)
    {
        using var cts = new CancellationTokenSource(limit);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"sock peer did not finish in {limit}; stderr: {await Partial(_stderr)}");
        }
        return (_process.ExitCode, await _stdout, await _stderr);
    }

    private static async Task<string> Partial(Task<string> t) => await Task.WhenAny(t, Task.Delay(1000)) == t ? await t : "(still open)";

    private static async Task<byte[]> ReadAllAsync(Stream s)
    {
        using var ms = new MemoryStream();
        await s.CopyToAsync(ms);
        return ms.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        try { await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)); }
        catch (TimeoutException) { }
        _process.Dispose();
        File.Delete(_input);
    }
}

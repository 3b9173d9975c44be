using System.Diagnostics;
using Sock.Tests.Support;

namespace Sock.Tests.Peer;

/// <summary>A `sock peer` process fed binary stdin, with its stdout collected as bytes and stderr as text.</summary>
internal sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<byte[]> _stdout;
    private readonly Task<string> _stderr;
    private readonly Task _stdin;

    private PeerProcess(Process process, byte[] input)
    {
        _process = process;
        _stdout = ReadAllAsync(process.StandardOutput.BaseStream);
        _stderr = process.StandardError.ReadToEndAsync();
        _stdin = Task.Run(async () =>
        {
            try
            {
                await process.StandardInput.BaseStream.WriteAsync(input);
                process.StandardInput.Close();
            }
            catch (IOException) { }
        });
    }

    public static PeerProcess Start(IEnumerable<string> args, byte[] input, IEnumerable<string>? prefix = null) =>
        new(SockRunner.Start(args, prefix: prefix), input);

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
        await _stdin;
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
    }
}

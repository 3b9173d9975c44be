using System.Diagnostics;
using System.Text;

namespace Sock.Tests.Support;

/// <summary>The outcome of running the built sock as a separate process.</summary>
public sealed record SockRun(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    /// <summary>The lines of stderr that are not empty.</summary>
    public IReadOnlyList<string> StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>Runs the sock that the build put beside the tests, as a user would from a shell.</summary>
public static class SockRunner
{
    /// <summary>The path of sock.dll beside the test assembly.</summary>
    public static string SockDll { get; } = Path.Combine(AppContext.BaseDirectory, "sock.dll");

    /// <summary>Starts sock with <paramref name="args"/>; stdin is a pipe the caller may write to.</summary>
    public static Process Start(IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(SockDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        if (environment is not null)
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        return Process.Start(psi) ?? throw new InvalidOperationException("could not start sock");
    }

    /// <summary>Runs sock to completion with optional stdin; kills it after <paramref name="timeout"/> (default 60 s).</summary>
    public static async Task<SockRun> RunAsync(IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null,
        IDictionary<string, string>? environment = null)
    {
        var sw = Stopwatch.StartNew();
        using var p = Start(args, environment);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"sock {string.Join(' ', args)} did not finish in {timeout ?? TimeSpan.FromSeconds(60)}; stderr so far: {await Partial(stderr)}");
        }
        return new SockRun(p.ExitCode, await stdout, await stderr, sw.Elapsed);
    }

    /// <summary>Runs sock with the arguments split on spaces.</summary>
    public static Task<SockRun> RunAsync(string args, string? stdin = null, TimeSpan? timeout = null) =>
        RunAsync(args.Split(' ', StringSplitOptions.RemoveEmptyEntries), stdin, timeout);

    private static async Task<string> Partial(Task<string> t) =>
        await Task.WhenAny(t, Task.Delay(500)) == t ? await t : "(still open)";
}

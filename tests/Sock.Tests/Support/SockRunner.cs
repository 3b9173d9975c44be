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

/// <summary>Runs any program to completion, as the tests need it: stdin written and closed, output collected, killed on timeout.</summary>
public static class ProcessRunner
{
    /// <summary>Starts <paramref name="command"/> (program, then arguments) with every stream redirected.</summary>
    public static Process Start(IReadOnlyList<string> command, IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(command[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        if (environment is not null)
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        return Process.Start(psi) ?? throw new InvalidOperationException($"could not start {command[0]}");
    }

    /// <summary>Runs <paramref name="command"/> to completion with optional stdin; kills it after <paramref name="timeout"/> (default 60 s).</summary>
    public static async Task<SockRun> RunAsync(IReadOnlyList<string> command, string? stdin = null, TimeSpan? timeout = null,
        IDictionary<string, string>? environment = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var sw = Stopwatch.StartNew();
        using var p = Start(command, environment);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        using var cts = new CancellationTokenSource(limit);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', command)} did not finish in {limit}; stderr so far: {await Partial(stderr)}");
        }
        return new SockRun(p.ExitCode, await stdout, await stderr, sw.Elapsed);
    }

    private static async Task<string> Partial(Task<string> t) =>
        await Task.WhenAny(t, Task.Delay(500)) == t ? await t : "(still open)";
}

/// <summary>Runs the sock that the build put beside the tests, as a user would from a shell.</summary>
public static class SockRunner
{
    /// <summary>
    /// The path of sock.dll beside the test assembly. Private on purpose: tests run sock through
    /// <see cref="Executable"/> (or <see cref="Command"/>, <see cref="Shell"/>), which is the Native AOT build under test.sh.
    /// </summary>
    private static string SockDll { get; } = Path.Combine(AppContext.BaseDirectory, "sock.dll");

    /// <summary>
    /// The program that runs sock: the Native AOT executable that test.sh publishes and names in SOCK_TEST_EXE, so an
    /// AOT-only failure cannot hide behind the JIT; otherwise (a test run straight from the IDE) the JIT build beside
    /// the tests, through the dotnet host.
    /// </summary>
    public static IReadOnlyList<string> Executable { get; } =
        Environment.GetEnvironmentVariable("SOCK_TEST_EXE") is { Length: > 0 } native && File.Exists(native)
            ? [native]
            : ["dotnet", "exec", SockDll];

    /// <summary>Whether the tests run the Native AOT executable.</summary>
    public static bool IsNative => Executable.Count == 1;

    /// <summary><see cref="Executable"/> as a shell word list, for tests that build a pipeline with sh -c.</summary>
    public static string Shell => string.Join(' ', Executable);

    /// <summary>The command line that runs sock with <paramref name="args"/>, under <paramref name="prefix"/> (prlimit …, ip netns exec …) when given.</summary>
    public static string[] Command(IEnumerable<string> args, IEnumerable<string>? prefix = null) =>
        [.. prefix ?? [], .. Executable, .. args];

    /// <summary>Starts sock with <paramref name="args"/>; stdin is a pipe the caller may write to.</summary>
    public static Process Start(IEnumerable<string> args, IDictionary<string, string>? environment = null, IEnumerable<string>? prefix = null) =>
        ProcessRunner.Start(Command(args, prefix), environment);

    /// <summary>Runs sock to completion with optional stdin; kills it after <paramref name="timeout"/> (default 60 s).</summary>
    public static Task<SockRun> RunAsync(IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null,
        IDictionary<string, string>? environment = null) =>
        ProcessRunner.RunAsync(Command(args), stdin, timeout, environment);

    /// <summary>Runs sock with the arguments split on spaces.</summary>
    public static Task<SockRun> RunAsync(string args, string? stdin = null, TimeSpan? timeout = null) =>
        RunAsync(args.Split(' ', StringSplitOptions.RemoveEmptyEntries), stdin, timeout);

    /// <summary>
    /// Runs sock with <paramref name="args"/> (split on spaces) and asserts what every bad input gets: exit 2 and one line
    /// on stderr, "sock: …"; returns that line for the test to check what it names.
    /// </summary>
    public static async Task<string> UsageErrorAsync(string args)
    {
        var run = await RunAsync(args);
        Assert.True(run.ExitCode == 2, $"sock {args}: exit {run.ExitCode}, not 2 (a usage error); {run}");
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith("sock: ", line);
        return line;
    }
}

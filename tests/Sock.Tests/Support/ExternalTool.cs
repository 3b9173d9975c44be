namespace Sock.Tests.Support;

/// <summary>Peer tools from the operating system (ss, ncat, socat…), run as they are.</summary>
public static class ExternalTool
{
    /// <summary>True when <paramref name="name"/> is on PATH.</summary>
    public static bool Exists(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, name)));

    /// <summary>Runs a tool to completion (at most 30 s) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string name, params string[] args)
    {
        var r = await ProcessRunner.RunAsync([name, .. args], timeout: TimeSpan.FromSeconds(30));
        return (r.ExitCode, r.Stdout, r.Stderr);
    }
}

using System.Diagnostics;
using Sock.Tests.Support;

namespace Sock.Tests.Cli;

public class PackagingTests
{
    private static async Task<(int Exit, string Output)> Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await o + await e);
    }

    [Fact]
    public async Task the_tool_package_installs_and_runs_as_sock()
    {
        // Pack what the test run already built (same configuration), install it into a private tool path, run it.
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        using var temp = new TempDirectory("sock-pack-");
        var work = temp.Path;
        var pack = await Run("dotnet", "pack", Path.Combine(RepoPaths.Root, "src", "Sock", "Sock.csproj"), "-c", configuration, "--no-build", "-o", Path.Combine(work, "pkg"), "-nologo");
        Assert.True(pack.Exit == 0, pack.Output);
        Assert.Single(Directory.GetFiles(Path.Combine(work, "pkg"), "sock.*.nupkg"));
        var install = await Run("dotnet", "tool", "install", "--tool-path", Path.Combine(work, "tools"), "--add-source", Path.Combine(work, "pkg"), "sock");
        Assert.True(install.Exit == 0, install.Output);
        var version = await Run(Path.Combine(work, "tools", "sock"), "--version");
        Assert.Equal(0, version.Exit);
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Output.Trim());
        var services = await Run(Path.Combine(work, "tools", "sock"), "services", "22/tcp");
        Assert.Contains("ssh", services.Output);
    }
}

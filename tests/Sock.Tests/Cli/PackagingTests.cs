using System.Diagnostics;
using System.IO.Compression;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
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
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await o + await e);
    }

    /// <summary>
    /// The sources the tool is packed from, copied without any build output: packing builds a precompiled copy per
    /// platform, and doing that in the repository itself would write next to the build the other tests are running.
    /// </summary>
    private static void CopySources(string to)
    {
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", "README.md" })
            File.Copy(Path.Combine(RepoPaths.Root, file), Path.Combine(to, file));
        foreach (var project in new[] { "Sock", "Sock.Core", "Sock.AspNetCore" })
        {
            var from = Path.Combine(RepoPaths.Root, "src", project);
            foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(from, file);
                var top = relative.Split(Path.DirectorySeparatorChar)[0];
                if (top is "bin" or "obj") continue;
                var target = Path.Combine(to, "src", project, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }
    }

    private static bool IsReadyToRun(string assembly)
    {
        using var pe = new PEReader(File.OpenRead(assembly));
        return pe.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
    }

    /// <summary>The README's three packs of a copy of the sources: the pointer package, the Native AOT one, the portable one.</summary>
    private static async Task<string> PackCopyAsync(string work)
    {
        CopySources(work);
        var packages = Path.Combine(work, "pkg");
        var project = Path.Combine(work, "src", "Sock", "Sock.csproj");
        foreach (string[] rid in new[] { Array.Empty<string>(), ["-r", "linux-x64"], ["-r", "any"] })
        {
            var pack = await Run("dotnet", ["pack", project, "-c", "Release", "-o", packages, "-nologo", .. rid]);
            Assert.True(pack.Exit == 0, pack.Output);
        }
        return packages;
    }

    private static bool IsElf(string file)
    {
        var head = new byte[4];
        using (var f = File.OpenRead(file)) f.ReadExactly(head);
        return head.AsSpan().SequenceEqual("\u007fELF"u8);
    }

    [Fact]
    public async Task the_tool_package_installs_native_here_portable_elsewhere_and_runs_as_sock()
    {
        using var temp = new TempDirectory("sock-pack-");
        var work = temp.Path;
        // test.sh makes the packages once, as the README's three packs; run alone, this test packs a copy of the sources.
        var packages = Environment.GetEnvironmentVariable("SOCK_TEST_PACKAGES") is { Length: > 0 } made && Directory.Exists(made)
            ? made
            : await PackCopyAsync(work);
        var version = typeof(Sock.Core.Endpoints.EndpointText).Assembly.GetName().Version!.ToString(3);
        Assert.Equal(
            new[] { $"sock.{version}.nupkg", $"sock.any.{version}.nupkg", $"sock.linux-x64.{version}.nupkg" },
            Directory.GetFiles(packages).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // The linux-x64 package carries one native executable: no managed assembly, no debug symbols.
        var native = Path.Combine(work, "native");
        ZipFile.ExtractToDirectory(Path.Combine(packages, $"sock.linux-x64.{version}.nupkg"), native);
        var nativeFiles = Directory.GetFiles(Path.Combine(native, "tools"), "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
        Assert.Contains("sock", nativeFiles);
        Assert.DoesNotContain(nativeFiles, f => f!.EndsWith(".dll", StringComparison.Ordinal) || f.EndsWith(".dbg", StringComparison.Ordinal));

        // Every platform without a package of its own gets the portable one: it runs through the dotnet host.
        var portable = Path.Combine(work, "any");
        ZipFile.ExtractToDirectory(Path.Combine(packages, $"sock.any.{version}.nupkg"), portable);
        var portableDll = Path.Combine(portable, "tools", "net10.0", "any", "sock.dll");
        Assert.False(IsReadyToRun(portableDll));
        var portableRun = await Run("dotnet", portableDll, "services", "22/tcp");
        Assert.True(portableRun.Exit == 0, portableRun.Output);
        Assert.Contains("ssh", portableRun.Output);

        // What `dotnet tool install` picks for this machine, as the README installs it.
        var tools = Path.Combine(work, "tools");
        var install = await Run("dotnet", "tool", "install", "--tool-path", tools, "--add-source", packages, "sock");
        Assert.True(install.Exit == 0, install.Output);
        var shim = Path.Combine(tools, "sock");
        if (OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64)
        {
            var target = new FileInfo(shim).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? shim;
            Assert.Contains($"{Path.DirectorySeparatorChar}sock.linux-x64{Path.DirectorySeparatorChar}", target);
            Assert.True(IsElf(target), target + " is not a native executable");
            Assert.Empty(Directory.GetFiles(Path.Combine(tools, ".store"), "sock.dll", SearchOption.AllDirectories));
        }
        var printed = await Run(shim, "--version");
        Assert.Equal(0, printed.Exit);
        Assert.StartsWith(version, printed.Output.Trim());
        var services = await Run(shim, "services", "22/tcp");
        Assert.True(services.Exit == 0, services.Output);
        Assert.Contains("ssh", services.Output);
    }
}

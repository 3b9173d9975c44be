using Sock.Core.Serving;
using Sock.Tests.Support;

namespace Sock.Tests.Core;

/// <summary>
/// What Sock.Core makes public is a decision (docs/notes/issue-14-api.md), tracked by PublicApiAnalyzers: every public
/// member is listed in src/Sock.Core/PublicAPI.*.txt or the build fails. These check the two ends of it that the
/// analyzer does not: the list is the one the build reads, and the folders that are machinery stay out of it.
/// </summary>
public sealed class PublicSurfaceTests
{
    private static readonly Type[] Exported = typeof(SocketServer).Assembly.GetExportedTypes();

    [Theory]
    [InlineData("Sock.Core.Platform")] // libc, epoll, netlink: the library's own business, behind [SupportedOSPlatform]
    [InlineData("Sock.Core.Demo")]     // the demo tells its story on the console; a user writes it with SocketServer/SocketClient
    public void machinery_is_not_public(string ns)
    {
        var leaked = Exported.Where(t => t.Namespace == ns || t.Namespace?.StartsWith(ns + ".", StringComparison.Ordinal) == true)
            .Select(t => t.FullName).ToList();
        Assert.True(leaked.Count == 0, "public, but machinery: " + string.Join(", ", leaked));
    }

    [Fact]
    public void every_public_type_is_in_the_tracked_list()
    {
        // The analyzer fails the build on an unlisted member only while it is switched on: this fails if the project
        // stops reading the files (or the files stop being the list) while public types remain.
        var core = Path.Combine(RepoPaths.Root, "src", "Sock.Core");
        var listed = File.ReadAllLines(Path.Combine(core, "PublicAPI.Shipped.txt"))
            .Concat(File.ReadAllLines(Path.Combine(core, "PublicAPI.Unshipped.txt")))
            .Select(l => l.Split(" -> ")[0])
            .Select(l => l[(l.LastIndexOf(' ') + 1)..])
            .ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(Exported);
        var unlisted = Exported.Select(t => t.FullName!.Replace('+', '.')).Where(n => !listed.Contains(n)).ToList();
        Assert.True(unlisted.Count == 0, "public but not in PublicAPI.*.txt: " + string.Join(", ", unlisted));
        var project = File.ReadAllText(Path.Combine(core, "Sock.Core.csproj"));
        Assert.Contains("Microsoft.CodeAnalysis.PublicApiAnalyzers", project, StringComparison.Ordinal);
    }
}

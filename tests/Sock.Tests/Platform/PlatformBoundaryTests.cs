using System.Text.RegularExpressions;
using Sock.Tests.Support;

namespace Sock.Tests.Platform;

/// <summary>
/// Platform code lives in one place: no source file under src/ outside src/Sock.Core/Platform/ declares a P/Invoke,
/// so every libc call is behind <c>[SupportedOSPlatform]</c> and the platform analyzer sees each use of it.
/// </summary>
public sealed partial class PlatformBoundaryTests
{
    // An attribute, not a word in a comment: `[DllImport(`, `[LibraryImport(`, or with the namespace spelled out.
    [GeneratedRegex(@"\[\s*(?:assembly:\s*)?(?:System\.Runtime\.InteropServices\.)?(?:DllImport|LibraryImport)(?:Attribute)?\s*\(")]
    private static partial Regex PInvokeAttribute();

    [Fact]
    public void no_source_file_outside_platform_declares_a_pinvoke()
    {
        var src = Path.Combine(RepoPaths.Root, "src");
        var platform = Path.Combine(src, "Sock.Core", "Platform") + Path.DirectorySeparatorChar;
        var files = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.True(files.Count > 100, $"only {files.Count} source files found under {src}");
        var offenders = files
            .Where(f => !f.StartsWith(platform, StringComparison.Ordinal) && PInvokeAttribute().IsMatch(File.ReadAllText(f)))
            .Select(f => Path.GetRelativePath(RepoPaths.Root, f))
            .ToList();
        Assert.True(offenders.Count == 0, "P/Invoke declared outside src/Sock.Core/Platform/: " + string.Join(", ", offenders));
        // The pattern finds what it is meant to: the platform folder's own declarations.
        Assert.Contains(Directory.EnumerateFiles(platform, "*.cs", SearchOption.AllDirectories), f => PInvokeAttribute().IsMatch(File.ReadAllText(f)));
    }
}

using System.Text.RegularExpressions;
using Sock.Tests.Support;

namespace Sock.Tests.Core;

/// <summary>
/// The library reads no environment variables: what a caller wants is an option it passes (ScanOptions.Engine,
/// BenchOptions.AsyncSockets), so a C# user sees every knob and a test cannot be steered by a stray variable.
/// </summary>
public sealed partial class LibraryReadsNoEnvironmentTests
{
    [GeneratedRegex(@"Environment\.(GetEnvironmentVariable|GetEnvironmentVariables|ExpandEnvironmentVariables)\b")]
    private static partial Regex EnvironmentRead();

    [Fact]
    public void no_file_of_sock_core_reads_an_environment_variable()
    {
        var core = Path.Combine(RepoPaths.Root, "src", "Sock.Core");
        var files = Directory.EnumerateFiles(core, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(files);
        var readers = files.Where(f => EnvironmentRead().IsMatch(File.ReadAllText(f))).Select(f => Path.GetRelativePath(core, f)).ToList();
        Assert.True(readers.Count == 0, "these read the environment: " + string.Join(", ", readers));
    }
}

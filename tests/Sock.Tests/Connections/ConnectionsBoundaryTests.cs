using System.Text.RegularExpressions;
using Sock.Tests.Support;

namespace Sock.Tests.Connections;

/// <summary>
/// Dependencies run one way: the server (Serving/) is built on the connection (Connections/), never the reverse, so a
/// client — or any other host of a connection — takes Connections/ without the server. No source file under
/// src/Sock.Core/Connections/ names the Sock.Core.Serving namespace: no using, no qualified name, no cref into it.
/// </summary>
public sealed partial class ConnectionsBoundaryTests
{
    // `using Sock.Core.Serving;`, `Sock.Core.Serving.X`, or `Serving.X` (which resolves from inside Sock.Core).
    [GeneratedRegex(@"\bSock\.Core\.Serving\b|(?<![\w.])Serving\.[A-Z]")]
    private static partial Regex ServingNamespace();

    [Fact]
    public void no_file_in_connections_uses_the_serving_namespace()
    {
        var connections = Path.Combine(RepoPaths.Root, "src", "Sock.Core", "Connections");
        var files = Directory.EnumerateFiles(connections, "*.cs", SearchOption.AllDirectories).ToList();
        Assert.True(files.Count >= 10, $"only {files.Count} source files found under {connections}");
        var offenders = files
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line)))
            .Where(l => ServingNamespace().IsMatch(l.Text))
            .Select(l => $"{Path.GetRelativePath(RepoPaths.Root, l.File)}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.True(offenders.Count == 0, "Connections/ uses Sock.Core.Serving:\n" + string.Join("\n", offenders));
    }

    [Theory]
    [InlineData("using Sock.Core.Serving;", true)]
    [InlineData("internal ServerOptions Options => Sock.Core.Serving.ServerOptions.Default;", true)]
    [InlineData("/// <see cref=\"Serving.SocketServer\"/>", true)]
    [InlineData("using Sock.Core.Connections;", false)]
    [InlineData("/// a server (<c>SocketServer</c>) runs it", false)]
    public void the_pattern_finds_what_it_is_meant_to(string line, bool uses) =>
        Assert.Equal(uses, ServingNamespace().IsMatch(line));
}

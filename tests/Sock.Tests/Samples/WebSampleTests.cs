using System.Diagnostics;
using System.Text.RegularExpressions;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Samples;

/// <summary>
/// samples/WebApp, the minimal ASP.NET Core app on sock's transport, run as its own process (built beside the tests) with
/// Kestrel's usual --urls, over TCP/IPv4, TCP/IPv6 and a Unix socket, curl as its client; and stopped as a service is,
/// with SIGTERM.
/// </summary>
public sealed class WebSampleTests
{
    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task the_web_sample_answers_curl_and_shows_the_requests_socket_and_the_servers_table(string transport)
    {
        using var dir = new TempDirectory("sock-websample-");
        var url = transport switch
        {
            Transports.Tcp4 => "http://127.0.0.1:0",
            Transports.Tcp6 => "http://[::1]:0",
            _ => "http://unix:" + dir.File("web.sock"),
        };
        await using var app = RunningProcess.Of(ProcessRunner.Start(
            ["dotnet", "exec", Path.Combine(AppContext.BaseDirectory, "WebApp.dll"), "--urls", url]));
        var started = await app.WaitForStdoutAsync("listening on ", seconds: 60);
        var bound = Regex.Match(started, @"listening on (\S+)").Groups[1].Value;
        string[] Curl(string path) => transport == Transports.Unix
            ? ["curl", "-sS", "--unix-socket", dir.File("web.sock"), "http://localhost" + path]
            : ["curl", "-sS", bound + path];

        var hello = await ProcessRunner.RunAsync(Curl("/"), timeout: TimeSpan.FromSeconds(30));
        Assert.True(hello.ExitCode == 0, hello.ToString());
        Assert.Equal("Hello, World!", hello.Stdout);

        var socket = await ProcessRunner.RunAsync(Curl("/socket"), timeout: TimeSpan.FromSeconds(30));
        var family = transport switch { Transports.Tcp4 => "inet", Transports.Tcp6 => "inet6", _ => "unix" };
        Assert.Matches($@"^fd \d+ {family} \S+ -> \S+ ESTAB, \d+ bytes in, 0 out, opened [\d:.]+, last active [\d:.]+\n$", socket.Stdout);

        // The table: the listening socket, then this request's connection.
        var table = (await ProcessRunner.RunAsync(Curl("/sockets"), timeout: TimeSpan.FromSeconds(30))).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(" LISTEN,", table[0], StringComparison.Ordinal);
        Assert.Contains(table.Skip(1), l => l.Contains(" ESTAB,", StringComparison.Ordinal));

        // SIGTERM: the host stops gracefully and exits 0.
        using (var kill = Process.Start("kill", ["-TERM", app.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        Assert.Equal(0, await app.WaitForExitAsync(seconds: 30));
    }

    [Fact]
    public void the_readme_shows_the_web_samples_setup_as_it_is()
    {
        var readme = File.ReadAllLines(Path.Combine(RepoPaths.Root, "README.md"));
        var link = Array.FindIndex(readme, l => l.Contains("[samples/WebApp](samples/WebApp/Program.cs)", StringComparison.Ordinal));
        Assert.True(link >= 0, "README.md links no samples/WebApp");
        var open = Array.FindIndex(readme, link, l => l == "```csharp");
        var close = Array.FindIndex(readme, open + 1, l => l == "```");
        var shown = readme[(open + 1)..close].Select(Code).Where(l => l.Length > 0).ToList();
        Assert.Contains("builder.WebHost.UseSockTransport();", shown);
        var source = File.ReadAllLines(Path.Combine(RepoPaths.Root, "samples", "WebApp", "Program.cs")).Select(Code).ToHashSet();
        Assert.All(shown, l => Assert.True(source.Contains(l), $"README.md shows a line samples/WebApp does not have: {l}"));
    }

    private static string Code(string line) =>
        (line.IndexOf("//", StringComparison.Ordinal) is var c and >= 0 ? line[..c] : line).Trim();
}

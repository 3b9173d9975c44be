using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Sock.Tests.Netcat;
using Sock.Tests.Serving;
using Sock.Tests.Support;

namespace Sock.Tests.Cli;

/// <summary>
/// The Native AOT executable, command by command: what the trimmer removed or reflection needed would fail here and
/// nowhere else. test.sh publishes it once and names it in SOCK_TEST_EXE (then every other test runs it too); run
/// without test.sh, these tests publish their own copy first.
/// </summary>
public sealed class NativeAotTests : IAsyncLifetime
{
    private static readonly SemaphoreSlim PublishLock = new(1, 1);
    private static string? _published;
    private string _sock = "";

    public async Task InitializeAsync() => _sock = await NativeExecutableAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The native sock: test.sh's, or one published into a temporary folder for this test run.</summary>
    private static async Task<string> NativeExecutableAsync()
    {
        if (SockRunner.IsNative) return SockRunner.Executable[0];
        await PublishLock.WaitAsync();
        try
        {
            if (_published is not null) return _published;
            var output = Path.Combine(Path.GetTempPath(), $"sock-aot-{Environment.ProcessId}");
            var publish = await ProcessRunner.RunAsync(
                ["dotnet", "publish", Path.Combine(RepoPaths.Root, "src", "Sock"), "-c", "Release", "-r", "linux-x64", "-o", output, "-nologo"],
                timeout: TimeSpan.FromMinutes(15));
            Assert.True(publish.ExitCode == 0, publish.ToString());
            AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(output, true); } catch (IOException) { } };
            return _published = Path.Combine(output, "sock");
        }
        finally
        {
            PublishLock.Release();
        }
    }

    private Task<SockRun> Run(string[] args, string? stdin = null) =>
        ProcessRunner.RunAsync([_sock, .. args], stdin, TimeSpan.FromSeconds(60));

    private Process Start(params string[] args) => ProcessRunner.Start([_sock, .. args]);

    [Fact]
    public void the_executable_is_native_code_not_a_managed_assembly()
    {
        Assert.True(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64,
            "the native build is made for linux-x64 only");
        var head = new byte[4];
        using (var f = File.OpenRead(_sock)) f.ReadExactly(head);
        Assert.Equal("\u007fELF"u8.ToArray(), head);
        // A framework-dependent apphost would need sock.dll beside it; the native executable stands alone.
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_sock)!, "sock.dll")));
    }

    [Fact]
    public async Task version_services_and_addr_answer()
    {
        var version = await Run(["--version"]);
        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Stdout);

        var services = await Run(["services", "22/tcp", "--json"]);
        Assert.True(services.ExitCode == 0, services.ToString());
        Assert.Contains("ssh", services.Stdout);
        using (JsonDocument.Parse(services.Stdout)) { }

        var addr = await Run(["addr", "127.0.0.1:8080"]);
        Assert.True(addr.ExitCode == 0, addr.ToString());
        Assert.Contains("htons", addr.Stdout);
    }

    [Fact]
    public async Task demo_runs_the_hello_exchange()
    {
        var demo = await Run(["demo"]);
        Assert.True(demo.ExitCode == 0, demo.ToString());
        Assert.Contains("Hello from server", demo.Stdout);
    }

    [Fact]
    public async Task stat_reads_the_socket_table_in_text_and_json()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var text = await Run(["stat", "-tlnp", $"sport = :{port}"]);
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains($"127.0.0.1:{port}", text.Stdout);
        var json = await Run(["stat", "-tlnp", "--json", $"sport = :{port}"]);
        Assert.True(json.ExitCode == 0, json.ToString());
        using var doc = JsonDocument.Parse(json.Stdout);
        Assert.Contains($"{port}", json.Stdout);
        var summary = await Run(["stat", "-s"]);
        Assert.True(summary.ExitCode == 0, summary.ToString());
        Assert.Contains("TCP:", summary.Stdout);
    }

    [Fact]
    public async Task listen_and_connect_carry_data_over_tls()
    {
        await using var listener = RunningProcess.Of(Start("listen", "-v", "--ssl", "127.0.0.1", "0"));
        var m = await listener.WaitForStderrAsync(@"^Listening on (\S+)");
        var port = m.Groups[1].Value[(m.Groups[1].Value.LastIndexOf(':') + 1)..];
        var client = await Run(["connect", "--ssl", "127.0.0.1", port], stdin: "over tls\n");
        Assert.True(client.ExitCode == 0, client.ToString());
        Assert.Equal(0, await listener.WaitForExitAsync());
        Assert.Equal("over tls\n", listener.StdoutText);
    }

    [Fact]
    public async Task serve_answers_and_scan_and_bench_measure_it()
    {
        var serve = await ServeProcess.StartAsync([_sock, "serve", "echo", "--tcp", "--port", "0", "--bind", "127.0.0.1"], 1);
        await using (serve)
        {
            var port = serve.Port("echo", "tcp").ToString(System.Globalization.CultureInfo.InvariantCulture);

            var scan = await Run(["scan", "127.0.0.1", "-p", port, "--json"]);
            Assert.True(scan.ExitCode == 0, scan.ToString());
            using (var doc = JsonDocument.Parse(scan.Stdout))
                Assert.Contains(port, scan.Stdout);

            var bench = await Run(["bench", "echo", "127.0.0.1", port, "-c", "2", "-n", "200", "--json"]);
            Assert.True(bench.ExitCode == 0, bench.ToString());
            using (JsonDocument.Parse(bench.Stdout)) { }
        }
    }
}

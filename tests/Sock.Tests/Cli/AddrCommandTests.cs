using System.Text.Json;
using Sock.Tests.Support;

namespace Sock.Tests.Cli;

public class AddrCommandTests
{
    [Fact]
    public async Task ipv4_shows_htons_htonl_and_the_proc_spelling()
    {
        var run = await SockRunner.RunAsync("addr 127.0.0.1:8080");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("AF_INET = 2", run.Stdout);
        Assert.Contains("0x901F (36895)", run.Stdout);
        Assert.Contains("0x0100007F", run.Stdout);
        Assert.Contains("0100007F:1F90", run.Stdout);
        Assert.Contains("7F 00 00 01", run.Stdout);
    }

    [Fact]
    public async Task a_proc_spelling_decodes_back() =>
        Assert.Contains("127.0.0.1:8080", (await SockRunner.RunAsync("addr 0100007F:1F90")).Stdout);

    [Fact]
    public async Task ipv6_and_unix_are_explained()
    {
        var run = await SockRunner.RunAsync(["addr", "[::1]:443", "/run/test.sock", "--json"]);
        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        var items = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal("00000000000000000000000001000000:01BB", items[0].GetProperty("procNet").GetString());
        Assert.Equal("sockaddr_un", items[1].GetProperty("struct").GetString());
        Assert.Equal(107, items[1].GetProperty("pathLimit").GetInt32());
    }

    [Theory]
    [InlineData("300.1.1.1:80")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("nonsense")]
    [InlineData("[::1:80")]
    public async Task malformed_input_is_a_one_line_usage_error(string input)
    {
        var run = await SockRunner.RunAsync(["addr", input]);
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("sock: ", Assert.Single(run.StderrLines));
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Sock.Tests.Support;
using Xunit.Abstractions;

namespace Sock.Tests.Inspection;

/// <summary>
/// sock stat -i and -e against the real ss on one connection of the test's own: the fields ss prints that sock did not
/// (bbr:(…), delivered, app_limited, reordering, rcv_ssthresh, data_segs_out/in, and -e's cgroup) are there, spelled as
/// ss spells them, with ss's values. Fields that move while the two read (lastsnd, rates) are not compared.
/// </summary>
public sealed class StatInfoVersusSsTests(ITestOutputHelper output)
{
    private static readonly string[] Compared = ["bbr", "delivered", "app_limited", "reordering", "rcv_ssthresh", "data_segs_out", "data_segs_in", "cgroup"];

    [Fact]
    public async Task info_and_extended_fields_are_the_ones_ss_prints()
    {
        Assert.True(ExternalTool.Exists("ss"), "ss (iproute2) is needed for this test");
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        // BBR where the kernel has it, so ss has a bbr:(…) to print; otherwise the other fields are still compared.
        var bbr = TrySetCongestion(client, "bbr");
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var server = await listener.AcceptAsync();
        TrySetCongestion(server, "bbr");
        // Data both ways, so delivered, data_segs and rcv_ssthresh have something to count.
        var buffer = new byte[100_000];
        for (var i = 0; i < 20; i++)
        {
            await client.SendAsync(new byte[10_000]);
            var got = 0;
            while (got < 10_000) got += await server.ReceiveAsync(buffer.AsMemory(0, 10_000 - got));
        }
        await server.SendAsync(new byte[3000]);
        for (var got = 0; got < 3000;) got += await client.ReceiveAsync(buffer);
        await Task.Delay(100); // the last acks settle, so both reads see the same counts

        string[] args = ["-tnie", "state", "established", "(", "sport", "=", $":{port}", ")"];
        var ss = await ExternalTool.RunAsync("ss", args);
        Assert.Equal(0, ss.ExitCode);
        var sock = await SockRunner.RunAsync(["stat", .. args]);
        Assert.True(sock.ExitCode == 0, sock.ToString());
        output.WriteLine(ss.Stdout);
        output.WriteLine(sock.Stdout);
        var theirs = Fields(ss.Stdout);
        var ours = Fields(sock.Stdout);
        foreach (var name in Compared)
        {
            if (name == "bbr" && !bbr) continue;
            Assert.True(theirs.ContainsKey(name), $"ss printed no {name} here: {ss.Stdout}");
            Assert.True(ours.TryGetValue(name, out var value), $"sock stat printed no {name}: {sock.Stdout}");
            Assert.Equal(theirs[name], value);
        }
        // --json carries the same cgroup path and tcp_info fields.
        var json = await SockRunner.RunAsync(["stat", "--json", .. args]);
        Assert.True(json.ExitCode == 0, json.ToString());
        using var doc = System.Text.Json.JsonDocument.Parse(json.Stdout);
        var row = Assert.Single(doc.RootElement.EnumerateArray());
        Assert.Equal(theirs["cgroup"], row.GetProperty("cgroup").GetString());
        Assert.Equal(long.Parse(theirs["rcv_ssthresh"], System.Globalization.CultureInfo.InvariantCulture), row.GetProperty("tcp").GetProperty("rcvSsthresh").GetInt64());
        Assert.Equal(theirs.ContainsKey("app_limited"), row.GetProperty("tcp").GetProperty("appLimited").GetBoolean());
    }

    /// <summary>The row's words as name → value ("delivered:21" → 21, "app_limited" → "", "bbr:(…)" → "(…)").</summary>
    private static Dictionary<string, string> Fields(string text)
    {
        var fields = new Dictionary<string, string>();
        foreach (Match m in Regex.Matches(text, @"(?<=\s)([a-z_]+)(?::(\S+))?(?=\s|$)"))
            fields.TryAdd(m.Groups[1].Value, m.Groups[2].Value);
        return fields;
    }

    private static bool TrySetCongestion(Socket socket, string name)
    {
        try
        {
            // TCP_CONGESTION (13) takes the algorithm's name.
            socket.SetRawSocketOption(6, 13, Encoding.ASCII.GetBytes(name));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

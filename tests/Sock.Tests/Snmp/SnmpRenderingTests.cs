using System.Text.Json;
using System.Text.RegularExpressions;
using Sock.Tests.Support;

namespace Sock.Tests.Snmp;

/// <summary>
/// The two forms of sock snmp's and sock agent's output, each from its own renderer: snmp's text lines and its NDJSON
/// (one object per varbind) against net-snmp's snmpd, snmp table's rows and columns and the same cells as JSON, and the
/// agent's request log with -v (a line) and --json (an object).
/// </summary>
public sealed class SnmpRenderingTests
{
    [Fact]
    public async Task snmp_json_is_one_object_per_varbind_naming_what_the_text_lines_name()
    {
        Assert.True(SnmpdProcess.Installed, "net-snmp's snmpd and tools are needed for this test");
        await using var snmpd = await SnmpdProcess.StartAsync();
        var target = snmpd.Target(Transports.Udp4);
        var text = await SockRunner.RunAsync(["snmp", "walk", "-c", snmpd.Community, target, "1.3.6.1.2.1.1"]);
        var json = await SockRunner.RunAsync(["snmp", "walk", "-c", snmpd.Community, target, "1.3.6.1.2.1.1", "--json"]);
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.True(json.ExitCode == 0, json.ToString());
        var lines = Lines(text.Stdout);
        var objects = Lines(json.Stdout).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.True(lines.Count >= 5, text.ToString());
        Assert.Equal(lines.Count, objects.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            Assert.Equal(target, objects[i].GetProperty("host").GetString());
            Assert.StartsWith(objects[i].GetProperty("name").GetString() + " = ", lines[i]);
            Assert.StartsWith("1.3.6.1.2.1.1.", objects[i].GetProperty("oid").GetString());
        }
        Assert.Contains(objects, o => o.GetProperty("name").GetString() == "SNMPv2-MIB::sysLocation.0" && o.GetProperty("value").GetString() == "sock test");
    }

    [Fact]
    public async Task snmp_table_prints_a_row_per_index_and_as_json_the_same_cells_row_by_row()
    {
        Assert.True(SnmpdProcess.Installed, "net-snmp's snmpd and tools are needed for this test");
        await using var snmpd = await SnmpdProcess.StartAsync();
        var target = snmpd.Target(Transports.Udp4);
        var text = await SockRunner.RunAsync(["snmp", "table", "-c", snmpd.Community, target, "ifTable"]);
        var json = await SockRunner.RunAsync(["snmp", "table", "-c", snmpd.Community, target, "ifTable", "--json"]);
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.True(json.ExitCode == 0, json.ToString());
        var lines = Lines(text.Stdout);
        Assert.Matches(@"^index\s+ifIndex\s+ifDescr\s", lines[0]);
        var objects = Lines(json.Stdout).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var rows = objects.Where(o => o.GetProperty("name").GetString()!.StartsWith("IF-MIB::ifIndex.", StringComparison.Ordinal))
            .Select(o => o.GetProperty("value").GetString()).ToList();
        Assert.NotEmpty(rows);
        // A row per index under the header, each starting with its index.
        Assert.Equal(rows, lines.Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]));
        // Row by row: every cell of a row comes before any of the next one's.
        var rowOf = objects.Select(o => o.GetProperty("oid").GetString()!.Split('.')[^1]).ToList();
        Assert.Equal(rows, rowOf.Where((r, i) => i == 0 || rowOf[i - 1] != r));
    }

    [Fact]
    public async Task agent_logs_each_request_as_a_line_with_v_and_as_an_object_with_json()
    {
        Assert.True(AgentProcess.PeersInstalled, "net-snmp's tools are needed for this test");
        await using (var agent = await AgentProcess.StartAsync("-v"))
        {
            var r = await agent.RunAsync("snmpget", "2c", Transports.Udp4, "1.3.6.1.2.1.1.5.0");
            Assert.True(r.ExitCode == 0, r.Stderr);
            var line = await StdoutLineAsync(agent);
            Assert.Matches($@"^\d\d:\d\d:\d\d\.\d{{3}} 127\.0\.0\.1:\d+ v2c GetRequest ""{agent.Community}"" 1\.3\.6\.1\.2\.1\.1\.5\.0 -> answered 1 varbind, \d+ bytes$", line);
        }
        await using (var agent = await AgentProcess.StartAsync("--json"))
        {
            var r = await agent.RunAsync("snmpget", "2c", Transports.Udp4, "1.3.6.1.2.1.1.5.0");
            Assert.True(r.ExitCode == 0, r.Stderr);
            var o = JsonDocument.Parse(await StdoutLineAsync(agent)).RootElement;
            Assert.Equal("v2c", o.GetProperty("version").GetString());
            Assert.Equal("GetRequest", o.GetProperty("pdu").GetString());
            Assert.Equal("answered", o.GetProperty("outcome").GetString());
            Assert.Equal("1.3.6.1.2.1.1.5.0", Assert.Single(o.GetProperty("oids").EnumerateArray()).GetString());
            Assert.Matches(@"^127\.0\.0\.1:\d+$", o.GetProperty("peer").GetString()!);
        }
    }

    private static async Task<string> StdoutLineAsync(AgentProcess agent)
    {
        var deadline = Environment.TickCount64 + 10_000;
        while (agent.Process.StdoutLines.Count == 0 && Environment.TickCount64 < deadline) await Task.Delay(20);
        return Assert.Single(agent.Process.StdoutLines);
    }

    private static List<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
}

using System.Net;
using System.Text;
using Sock.Core.Errors;
using Sock.Core.Netcat;

namespace Sock.Tests.Netcat;

/// <summary>The small parts: access lists, CRLF translation across chunks, the hex dump, chat escaping.</summary>
public class NetcatPartsTests
{
    [Theory]
    [InlineData("10.1.2.3", true)]
    [InlineData("::ffff:10.1.2.3", true)]
    [InlineData("11.0.0.1", false)]
    [InlineData("fd00::5", true)]
    [InlineData("fe80::1", false)]
    public async Task allow_lists_match_cidr_ranges_of_both_families(string peer, bool admitted)
    {
        var list = await AccessList.CreateAsync(["10.0.0.0/8", "fd00::/8"], [], noDns: true, CancellationToken.None);
        Assert.Equal(admitted, list.Admits(IPAddress.Parse(peer)));
    }

    [Theory]
    [InlineData("::ffff:127.0.0.1", "127.0.0.1", false)]
    [InlineData("::ffff:127.0.0.1", "::ffff:127.0.0.1", false)]
    [InlineData("::ffff:0:0/96", "127.0.0.1", false)]
    [InlineData("::ffff:0:0/96", "::ffff:10.9.8.7", false)]
    [InlineData("::ffff:127.0.0.0/104", "127.200.0.1", false)]
    [InlineData("::ffff:127.0.0.0/104", "128.0.0.1", true)]
    [InlineData("127.0.0.1", "::ffff:127.0.0.1", false)]
    [InlineData("::ffff:0:0/96", "::1", true)]
    [InlineData("::/0", "127.0.0.1", false)]
    [InlineData("::ffff:127.0.0.1", "::1", true)]
    public async Task ipv4_mapped_entries_and_peers_are_one_address(string deny, string peer, bool admitted)
    {
        var list = await AccessList.CreateAsync([], [deny], noDns: true, CancellationToken.None);
        Assert.Equal(admitted, list.Admits(IPAddress.Parse(peer)));
        // The same entry as an allow list admits exactly the peers the deny list refused.
        var allow = await AccessList.CreateAsync([deny], [], noDns: true, CancellationToken.None);
        Assert.Equal(!admitted, allow.Admits(IPAddress.Parse(peer)));
    }

    [Fact]
    public async Task deny_lists_and_deny_winning_over_allow_as_in_ncat()
    {
        var deny = await AccessList.CreateAsync([], ["192.168.0.0/16"], true, CancellationToken.None);
        Assert.False(deny.Admits(IPAddress.Parse("192.168.4.4")));
        Assert.True(deny.Admits(IPAddress.Parse("192.169.0.1")));
        var both = await AccessList.CreateAsync(["192.168.0.0/16"], ["192.168.4.4"], true, CancellationToken.None);
        Assert.False(both.Admits(IPAddress.Parse("192.168.4.4")));
        Assert.True(both.Admits(IPAddress.Parse("192.168.4.5")));
        Assert.False(both.Admits(IPAddress.Parse("10.0.0.1")));
    }

    [Fact]
    public void host_files_hold_entries_separated_by_spaces_tabs_and_lines()
    {
        using var dir = new Sock.Tests.Support.TempDirectory("sock-hosts-");
        var file = dir.File("hosts");
        File.WriteAllText(file, "# allowed\n192.0.2.1 127.0.0.1\t::1  # two more\n\n  10.0.0.0/8\n");
        Assert.Equal(["192.0.2.1", "127.0.0.1", "::1", "10.0.0.0/8"], AccessList.ReadFile(file).ToArray());
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/x")]
    [InlineData("not-an-address/8")]
    public async Task bad_ranges_are_usage_errors(string entry)
    {
        var ex = await Assert.ThrowsAsync<SockException>(() => AccessList.CreateAsync([entry], [], true, CancellationToken.None));
        Assert.Equal(SockErrorKind.Usage, ex.Kind);
    }

    [Fact]
    public void crlf_translation_keeps_existing_crlf_and_works_across_chunks()
    {
        var t = new CrlfTranslator();
        var scratch = new byte[64];
        string Run(string s) => Encoding.ASCII.GetString(t.Translate(Encoding.ASCII.GetBytes(s), scratch).Span);
        Assert.Equal("a\r\nb\r\n", Run("a\nb\r\n"));
        Assert.Equal("x\r", Run("x\r"));
        Assert.Equal("\ny\r\n", Run("\ny\n")); // the CR came in the previous chunk
    }

    [Fact]
    public void hex_dump_lines_have_mark_offset_bytes_and_text()
    {
        var w = new StringWriter();
        HexDump.Write(w, Encoding.ASCII.GetBytes("0123456789abcdefXYZ"), '<', 32);
        var lines = w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(2, lines.Length);
        Assert.Equal("< 00000020  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|", lines[0]);
        Assert.StartsWith("< 00000030  58 59 5a ", lines[1]);
        Assert.EndsWith("|XYZ|", lines[1]);
    }

    [Fact]
    public void chat_lines_escape_control_characters()
    {
        Assert.Equal("<user#7> a\\x07b\\x7f\n", Encoding.ASCII.GetString(ChatText.Line(7, "a\u0007b\u007f\r\n"u8)));
    }
}

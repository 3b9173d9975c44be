using System.Net;
using Sock.Core.Errors;
using Sock.Core.Inspection;
using Sock.Core.Inspection.Filtering;

namespace Sock.Tests.Inspection;

/// <summary>ss's filter language as a table: each expression and the rows (by name) it keeps; bad ones and their errors.</summary>
public class SocketFilterTests
{
    private static readonly Dictionary<string, SocketTableEntry> Rows = new()
    {
        ["listen8080"] = Tcp("LISTEN", "0.0.0.0", 8080, "0.0.0.0", 0),
        ["web"] = Tcp("ESTAB", "127.0.0.1", 8080, "127.0.0.1", 40000),
        ["client"] = Tcp("ESTAB", "127.0.0.1", 40000, "127.0.0.1", 8080),
        ["ssh6"] = Tcp("ESTAB", "::1", 22, "::1", 50022),
        ["tw"] = Tcp("TIME-WAIT", "10.1.2.3", 443, "192.168.7.9", 1023),
        ["synsent"] = Tcp("SYN-SENT", "10.1.2.3", 51000, "93.184.216.34", 443),
        ["mapped"] = Tcp("ESTAB", "::ffff:127.0.0.1", 9000, "::ffff:127.0.0.5", 1024),
        ["dns"] = new SocketTableEntry { Netid = "udp", State = "UNCONN", LocalAddress = IPAddress.Parse("127.0.0.53"), LocalPort = 53, PeerAddress = IPAddress.Any },
        ["unix"] = new SocketTableEntry { Netid = "u_str", State = "LISTEN", Path = "/run/app sock.sock", Inode = 9 },
    };

    private static SocketTableEntry Tcp(string state, string local, int lport, string peer, int pport) => new()
    {
        Netid = "tcp", State = state, LocalAddress = IPAddress.Parse(local), LocalPort = lport, PeerAddress = IPAddress.Parse(peer), PeerPort = pport,
    };

    [Theory]
    [InlineData("", "listen8080 web client ssh6 tw synsent mapped dns unix")]
    [InlineData("state established", "web client ssh6 mapped")]
    [InlineData("state listening", "listen8080 unix")]
    [InlineData("state time-wait state syn-sent", "tw synsent")]
    [InlineData("exclude time-wait", "listen8080 web client ssh6 synsent mapped dns unix")]
    [InlineData("state connected", "web client ssh6 tw synsent mapped")]
    [InlineData("state synchronized", "web client ssh6 tw mapped")]
    [InlineData("state bucket", "tw")]
    [InlineData("state big exclude listening", "web client ssh6 synsent mapped dns")]
    [InlineData("state all", "listen8080 web client ssh6 tw synsent mapped dns unix")]
    [InlineData("sport = :8080", "listen8080 web")]
    [InlineData("sport == 8080", "listen8080 web")]
    [InlineData("sport eq :http-alt", "listen8080 web")]
    [InlineData("dport != :8080", "listen8080 web ssh6 tw synsent mapped dns")]
    [InlineData("dport >= :1024", "web client ssh6 mapped")]
    [InlineData("dport ge :1024", "web client ssh6 mapped")]
    [InlineData("dport > :1024", "web client ssh6")]
    [InlineData("dport < :1024", "listen8080 tw synsent dns")]
    [InlineData("dport le :1023", "listen8080 tw synsent dns")]
    [InlineData("sport lt 100", "ssh6 dns")]
    [InlineData("sport gt 50000", "synsent")]
    [InlineData("dport neq 443", "listen8080 web client ssh6 tw mapped dns")]
    [InlineData("dst 127.0.0.1", "web client")]
    [InlineData("dst 127.0.0.0/8", "web client mapped")]
    [InlineData("src 127.0.0.1:8080", "web")]
    [InlineData("dst 127.0.0.1:8080", "client")]
    [InlineData("src [::1]", "ssh6")]
    [InlineData("src [::1]:22", "ssh6")]
    [InlineData("dst ::1", "ssh6")]
    [InlineData("src [::]/0", "ssh6 mapped")]
    [InlineData("src *:53", "dns")]
    [InlineData("src :443", "tw")]
    [InlineData("dst 192.168.0.0/16 or dst 93.184.216.0/24", "tw synsent")]
    [InlineData("src 10.0.0.0/8 and dport = :443", "synsent")]
    [InlineData("src 10.0.0.0/8 dport = :443", "synsent")]
    [InlineData("not src 127.0.0.0/8", "listen8080 ssh6 tw synsent unix")]
    [InlineData("! sport = :8080 and not state listening", "client ssh6 tw synsent mapped dns")]
    [InlineData("( sport = :8080 or dport = :8080 ) and state established", "web client")]
    [InlineData("(sport = :8080 || dport = :8080) && !state established", "listen8080")]
    [InlineData("sport = :22 or sport = :53 and dst 0.0.0.0", "ssh6 dns")]
    [InlineData("state established ( dport = :8080 or sport = :22 )", "client ssh6")]
    [InlineData("exclude listening not dst 127.0.0.0/8", "ssh6 tw synsent dns")]
    [InlineData("src /run/*", "unix")]
    [InlineData("src unix:/tmp/*", "")]
    [InlineData("dst != 127.0.0.0/8 and state established", "ssh6")]
    public void filter_keeps_the_expected_rows(string filter, string expected)
    {
        var f = SocketFilter.Parse(filter);
        var kept = Rows.Where(kv => f.Matches(kv.Value)).Select(kv => kv.Key);
        Assert.Equal(expected, string.Join(' ', kept));
    }

    [Theory]
    [InlineData("sport = :8080 and foo", "filter at word 5 'foo': unknown word")]
    [InlineData("state establish", "filter at word 2 'establish': not a state")]
    [InlineData("exclude", "filter at its end: expected a state after 'exclude'")]
    [InlineData("sport", "filter at its end: expected an operator after 'sport'")]
    [InlineData("sport =", "filter at its end: expected a port after 'sport ='")]
    [InlineData("sport ~ :80", "filter at word 2 '~': not an operator after 'sport'")]
    [InlineData("dport = :99999", "filter at word 3 ':99999': out of range")]
    [InlineData("dport = :nosuchservice", "filter at word 3 ':nosuchservice': not a port number or a known service name")]
    [InlineData("dst 300.1.2.3", "filter at word 2 '300.1.2.3': not an address")]
    [InlineData("dst 10.0.0.0/33", "filter at word 2 '10.0.0.0/33': bad prefix length (0 to 32)")]
    [InlineData("src [::1", "filter at word 2 '[::1': an unclosed '['")]
    [InlineData("( sport = :22", "filter at its end: expected ')' to close the parenthesis")]
    [InlineData("sport = :22 )", "filter at word 4 ')': a closing parenthesis without an opening one")]
    [InlineData("sport = :22 or", "filter at its end: expected a condition after 'or'")]
    [InlineData("not", "filter at its end: expected a condition after 'not'")]
    [InlineData("dst < 10.0.0.1", "filter at word 2 '<': 'dst' takes = or !=")]
    public void bad_filters_name_the_offending_word(string filter, string error)
    {
        var ex = Assert.Throws<SockException>(() => SocketFilter.Parse(filter));
        Assert.Equal(SockErrorKind.Usage, ex.Kind);
        Assert.StartsWith(error, $"{ex.Operation} {ex.Target}: {ex.Reason}");
    }

    [Theory]
    [InlineData("(", ")")]
    [InlineData("not ", "")]
    [InlineData("! ", "")]
    [InlineData("!", "")]
    public void nesting_deeper_than_256_is_a_usage_error(string open, string close)
    {
        var filter = string.Concat(Enumerable.Repeat(open, 40_000)) + " sport = :22 " + string.Concat(Enumerable.Repeat(close, 40_000));
        var ex = Assert.Throws<SockException>(() => SocketFilter.Parse(filter));
        Assert.Equal(SockErrorKind.Usage, ex.Kind);
        Assert.EndsWith("nested more than 256 deep (parentheses and not)", ex.Reason);
    }

    [Fact]
    public void nesting_up_to_256_deep_still_parses_and_matches()
    {
        var filter = SocketFilter.Parse(new string('(', 256) + " sport = :8080 " + new string(')', 256));
        Assert.Equal("listen8080 web", string.Join(' ', Rows.Where(r => filter.Matches(r.Value)).Select(r => r.Key)));
        var nots = SocketFilter.Parse(string.Concat(Enumerable.Repeat("not ", 256)) + "sport = :8080");
        Assert.Equal("listen8080 web", string.Join(' ', Rows.Where(r => nots.Matches(r.Value)).Select(r => r.Key)));
    }

    [Fact]
    public void a_chain_of_100000_terms_matches_on_a_small_stack()
    {
        // A chain of or/and is not nesting: it parses, and matching it does not recurse per term. On a 256 KiB stack a
        // recursion 100,000 deep would overflow and take the process down.
        var or = SocketFilter.Parse(string.Join(" or ", Enumerable.Range(1, 100_000).Select(i => $"sport = :{i % 60000 + 1}")) + " or sport = :8080");
        var and = SocketFilter.Parse(string.Join(" and ", Enumerable.Repeat("dport != :7", 100_000)));
        string? kept = null, kept2 = null;
        var t = new Thread(() =>
        {
            kept = string.Join(' ', Rows.Where(r => or.Matches(r.Value)).Select(r => r.Key));
            kept2 = string.Join(' ', Rows.Where(r => and.Matches(r.Value)).Select(r => r.Key));
        }, 256 * 1024);
        t.Start();
        Assert.True(t.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal("listen8080 web client ssh6 tw synsent mapped dns", kept);
        Assert.Equal("listen8080 web client ssh6 tw synsent mapped dns", kept2);
    }

    [Fact]
    public void a_word_of_many_bangs_is_read_in_linear_time()
    {
        // "!!!…!state" was cut one '!' at a time by copying the rest of the word: quadratic in the word's length.
        var ex = Assert.Throws<SockException>(() => SocketFilter.Parse(new string('!', 200_000) + "state"));
        Assert.EndsWith("nested more than 256 deep (parentheses and not)", ex.Reason);
    }

    [Fact]
    public void leading_state_words_set_the_state_mask_like_ss()
    {
        Assert.Null(SocketFilter.Parse("sport = :22").States);
        Assert.Equal(1u << SocketStates.Established, SocketFilter.Parse("state established").States);
        Assert.Equal(SocketStates.All & ~(1u << SocketStates.TimeWait), SocketFilter.Parse("exclude time-wait").States);
    }
}

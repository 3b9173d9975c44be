using System.Net.Sockets;
using Sock.Cli.Commands;
using Sock.Core.Errors;
using Sock.Core.Netcat;

namespace Sock.Tests.Cli;

/// <summary>ncat's command line read as ncat reads it.</summary>
public class NcatCommandLineTests
{
    private static NetcatOptions P(params string[] args) => NcatCommandLine.Parse(args).Options;

    [Fact]
    public void bundled_short_options_with_a_trailing_value()
    {
        var o = P("-lvnp", "8080");
        Assert.True(o.Listen);
        Assert.True(o.NoDns);
        Assert.Equal(1, o.Verbosity);
        Assert.Equal(8080, o.Port);
        Assert.Null(o.Host);
    }

    [Theory]
    [InlineData("-w5")]
    [InlineData("-w", "5")]
    [InlineData("--wait=5")]
    [InlineData("--wait", "5")]
    [InlineData("-w", "5s")]
    [InlineData("-w", "5000ms")]
    public void values_attached_or_separate(params string[] wait)
    {
        var o = P([.. wait, "example.com", "80"]);
        Assert.Equal(TimeSpan.FromSeconds(5), o.ConnectTimeout);
        Assert.Equal("example.com", o.Host);
        Assert.Equal(80, o.Port);
    }

    [Fact]
    public void default_port_is_31337_for_connect_and_listen()
    {
        Assert.Equal(31337, P("localhost").Port);
        Assert.Equal(31337, P("-l").Port);
        Assert.Null(P("-l").Host);
    }

    [Fact]
    public void listen_forms()
    {
        var port = P("-l", "9000");
        Assert.Equal(9000, port.Port);
        Assert.Null(port.Host);
        var both = P("-l", "::1", "9000");
        Assert.Equal("::1", both.Host);
        Assert.Equal(9000, both.Port);
        var hostOnly = P("-l", "127.0.0.1");
        Assert.Equal("127.0.0.1", hostOnly.Host);
        Assert.Equal(31337, hostOnly.Port);
        var pOption = P("-l", "-p", "7000");
        Assert.Equal(7000, pOption.Port);
        var unix = P("-lU", "/tmp/x.sock");
        Assert.Equal("/tmp/x.sock", unix.UnixPath);
    }

    [Fact]
    public void p_is_the_source_port_when_connecting()
    {
        var o = P("-p", "5555", "-s", "127.0.0.1", "127.0.0.1", "80");
        Assert.Equal(5555, o.SourcePort);
        Assert.Equal("127.0.0.1", o.SourceAddress);
    }

    [Fact]
    public void ncat_meanings_win_where_openbsd_nc_differs()
    {
        var o = P("-d", "250ms", "-i", "2", "-C", "-x", "/tmp/dump", "host", "1");
        Assert.Equal(TimeSpan.FromMilliseconds(250), o.Delay);   // ncat --delay, not OpenBSD "no stdin"
        Assert.Equal(TimeSpan.FromSeconds(2), o.IdleTimeout);    // ncat --idle-timeout, not OpenBSD interval
        Assert.True(o.Crlf);                                     // ncat --crlf
        Assert.Equal("/tmp/dump", o.HexDumpFile);                // ncat --hex-dump, not OpenBSD proxy
        Assert.False(o.NoStdin);
    }

    [Fact]
    public void long_options_and_the_rest()
    {
        var o = P("-lk", "-m", "5", "--allow", "10.0.0.0/8,::1", "--deny", "1.2.3.4", "--broker", "--send-only", "--no-shutdown",
            "-o", "out", "--append-output", "-e", "/bin/cat", "-u", "-6", "-vv", "-q", "1", "--", "6000");
        Assert.True(o.KeepOpen && o.Broker && o.SendOnly && o.NoShutdown && o.AppendOutput && o.Udp);
        Assert.Equal(5, o.MaxConnections);
        Assert.Equal(["10.0.0.0/8", "::1"], o.Allow);
        Assert.Equal(["1.2.3.4"], o.Deny);
        Assert.Equal("out", o.OutputFile);
        Assert.Equal("/bin/cat", o.Exec);
        Assert.Equal(AddressFamily.InterNetworkV6, o.Family);
        Assert.Equal(2, o.Verbosity);
        Assert.Equal(TimeSpan.FromSeconds(1), o.QuitAfterEof);
        Assert.Equal(6000, o.Port);
    }

    [Theory]
    [InlineData("-lk", "--ssl")]
    [InlineData("--broker", "--ssl")]
    [InlineData("--chat", "--ssl-alpn", "chat")]
    public void ssl_with_keep_open_broker_or_chat_listens_with_tls_for_every_client(params string[] args)
    {
        var o = P(args);
        Assert.True(o.Listen);
        Assert.NotNull(o.TlsListen);
        Assert.Null(o.Tls);
    }

    [Fact]
    public void chat_and_broker_imply_listen()
    {
        Assert.True(P("--chat").Listen);
        Assert.True(P("--broker", "7000").Listen);
    }

    [Theory]
    [InlineData("--ssl-ciphers", "ALL")]
    [InlineData("--ssl-crl", "x.pem")]
    [InlineData("--lua-exec", "x.lua")]
    [InlineData("-t")]
    [InlineData("-lt")]
    [InlineData("--sctp")]
    [InlineData("-g", "1.2.3.4")]
    public void unsupported_options_are_usage_errors_naming_the_option(params string[] args)
    {
        var ex = Assert.Throws<SockException>(() => P([.. args, "host", "80"]));
        Assert.Equal(SockErrorKind.Usage, ex.Kind);
        Assert.Contains("supported", ex.Reason);
    }

    [Fact]
    public void ssl_options_set_up_tls_and_any_of_them_turns_it_on()
    {
        Assert.Null(P("host", "443").Tls);
        var tls = P("--ssl-verify", "--ssl-trustfile", "ca.pem", "--ssl-servername=db.example", "--ssl-alpn", "h2, http/1.1",
            "--ssl-cert", "c.pem", "--ssl-key", "k.pem", "host", "443").Tls!;
        Assert.Equal((true, "ca.pem", "db.example", "c.pem", "k.pem"), (tls.Verify, tls.TrustFile, tls.ServerName, tls.CertFile, tls.KeyFile));
        Assert.Equal(["h2", "http/1.1"], tls.Alpn);
        Assert.False(P("--ssl", "host", "443").Tls!.Verify);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("-Z")]
    [InlineData("-w")]
    [InlineData("a", "b", "c")]
    [InlineData("-m", "zero", "h")]
    public void bad_command_lines_are_usage_errors(params string[] args)
    {
        Assert.Equal(SockErrorKind.Usage, Assert.Throws<SockException>(() => P(args)).Kind);
    }

    [Fact]
    public void no_host_is_a_usage_error_as_in_ncat()
    {
        Assert.Equal(SockErrorKind.Usage, Assert.Throws<SockException>(() => P("-v")).Kind);
    }
}

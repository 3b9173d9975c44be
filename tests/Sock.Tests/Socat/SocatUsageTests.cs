using Sock.Cli.Commands;
using Sock.Core.Errors;
using Sock.Tests.Support;

namespace Sock.Tests.Socat;

/// <summary>
/// socat's address grammar as `sock socat` reads it, and every socat address type, option or global option sock does
/// not support refused with one line naming it (exit 2), never ignored.
/// </summary>
public sealed class SocatUsageTests
{
    [Theory]
    [InlineData("TCP6:[::1]:8080,connect-timeout=2", "TCP", "TCP6", "[::1]|8080", "connect-timeout=2")]
    [InlineData("tcp-listen:8080,fork,reuseaddr,bind=127.0.0.1", "TCP-LISTEN", "tcp-listen", "8080", "fork=|reuseaddr=|bind=127.0.0.1")]
    [InlineData("-", "STDIO", "-", "", "")]
    [InlineData("-,crlf", "STDIO", "-", "", "crlf=")]
    [InlineData("EXEC:'sh -c \"echo a,b:c\"',crlf", "EXEC", "EXEC", "sh -c \"echo a,b:c\"", "crlf=")]
    [InlineData("SYSTEM:echo a:b", "SYSTEM", "SYSTEM", "echo a:b", "")]
    [InlineData("/tmp/some-file,ignoreeof", "OPEN", "GOPEN", "/tmp/some-file", "ignoreeof=")]
    [InlineData("OPENSSL:localhost:443,cn=example.org,verify=0", "OPENSSL", "OPENSSL", "localhost|443", "commonname=example.org|verify=0")]
    [InlineData("PTY,link=/tmp/ttyV0,raw,echo=0", "PTY", "PTY", "", "link=/tmp/ttyV0|raw=|echo=0")]
    [InlineData("UDP-RECVFROM:53,fork,range=127.0.0.0/8", "UDP-RECVFROM", "UDP-RECVFROM", "53", "fork=|range=127.0.0.0/8")]
    [InlineData("abstract-listen:name,fork", "ABSTRACT-LISTEN", "abstract-listen", "name", "fork=")]
    [InlineData("PIPE", "PIPE", "PIPE", "", "")]
    [InlineData("UNIX:/run/x.sock,so-rcvbuf=65536", "UNIX-CLIENT", "UNIX", "/run/x.sock", "rcvbuf=65536")]
    public void addresses_are_read_as_socat_reads_them(string text, string type, string keyword, string parameters, string options)
    {
        var a = SocatAddressParser.Parse(text);
        Assert.Equal(type, a.Type.Name);
        Assert.Equal(keyword, a.Keyword);
        Assert.Equal(parameters, string.Join("|", a.Parameters));
        Assert.Equal(options, string.Join("|", a.Options.Select(o => $"{o.Name}={o.Value}")));
    }

    [Theory]
    [InlineData("SOCKS4:proxy:host:80", "address type SOCKS4 is not supported")]
    [InlineData("PROXY:proxy:host:80", "address type PROXY is not supported")]
    [InlineData("READLINE", "address type READLINE is not supported")]
    [InlineData("IP4:127.0.0.1:6", "address type IP4 is not supported")]
    [InlineData("UNIX-SENDTO:/tmp/x", "address type UNIX-SENDTO is not supported")]
    [InlineData("3", "FD addresses (3) are not supported")]
    [InlineData("FOO:bar", "unknown address type 'FOO'")]
    [InlineData("TCP:127.0.0.1:80,su=nobody", "option 'su' is not supported")]
    [InlineData("TCP:127.0.0.1:80,pf=ip4", "option 'pf' is not supported")]
    [InlineData("EXEC:cat,pty", "option 'pty' is not supported")]
    [InlineData("TCP:127.0.0.1:80,fork", "option 'fork' does not apply to TCP")]
    [InlineData("TCP-LISTEN:80,mode=600", "option 'mode' does not apply to TCP-LISTEN")]
    [InlineData("UNIX-CONNECT:/tmp/x,link=/tmp/y", "option 'link' does not apply to UNIX-CONNECT")]
    [InlineData("TCP:127.0.0.1", "TCP takes 2 parameters, not 1")]
    [InlineData("TCP-LISTEN:80!!STDOUT", "dual addresses (ADDR!!ADDR) are not supported")]
    [InlineData("EXEC:'cat", "a quote (') is not closed")]
    [InlineData("TCP6:[::1:80", "a bracket is not closed")]
    public void an_unsupported_address_is_a_usage_error_naming_it(string text, string reason)
    {
        var ex = Assert.Throws<SockException>(() => SocatAddressParser.Parse(text));
        Assert.Equal(SockErrorKind.Usage, ex.Kind);
        Assert.Contains(reason, ex.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-t 2 -T 5 -u - -", "2|5|LeftToRight")]
    [InlineData("-t0.25 -U -d -d -v -x - -", "0.25||RightToLeft")]
    [InlineData("-dd -,crlf -", "0.5||Both")]
    public void global_options_are_read_as_socat_reads_them(string line, string expected)
    {
        var o = SocatCommandLine.Parse(line.Split(' '));
        Assert.Equal(expected, $"{o.CloseTimeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}|{o.IdleTimeout?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}|{o.Direction}");
        Assert.Equal("STDIO", o.First!.Type.Name);
        Assert.Equal("STDIO", o.Second!.Type.Name);
    }

    /// <summary>The whole command: one line on stderr naming what is not supported, exit 2, nothing started.</summary>
    [Theory]
    [InlineData("- SOCKS4A:proxy:host:80", "SOCKS4A")]
    [InlineData("- TCP:127.0.0.1:9,sourceport=1,tos=1", "'tos'")]
    [InlineData("-L /tmp/lock - -", "-L")]
    [InlineData("-lf /tmp/log - -", "-lf")]
    [InlineData("-s - -", "-s")]
    [InlineData("-b 4096 - -", "-b")]
    [InlineData("-u -U - -", "-u and -U must not be combined")]
    [InlineData("-", "exactly 2 addresses required (there are 1)")]
    [InlineData("- TCP:127.0.0.1:9 STDOUT", "exactly 2 addresses required (there are 3)")]
    [InlineData("-t abc - -", "-t abc: must be a number of seconds")]
    [InlineData("- TCP-LISTEN:0,fork", "fork applies to the first address")]
    public async Task the_command_refuses_what_it_does_not_support_with_one_line(string line, string named)
    {
        var r = await SockRunner.RunAsync(["socat", .. line.Split(' ')], "", TimeSpan.FromSeconds(30));
        Assert.Equal(2, r.ExitCode);
        var only = Assert.Single(r.StderrLines);
        Assert.StartsWith("sock: ", only, StringComparison.Ordinal);
        Assert.Contains(named, only, StringComparison.Ordinal);
    }
}

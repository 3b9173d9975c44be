using System.Net;
using Sock.Cli.Commands;
using Sock.Core.Inspection;
using Sock.Tests.Support;

namespace Sock.Tests.Inspection;

/// <summary>The --who sentences, and the usage errors of --who and --watch.</summary>
public class StatWhoTests
{
    private static PortHolder Holder(string state, string address, params SocketOwner[] owners) =>
        new("tcp", state, IPAddress.Parse(address), 8080, 33, "www-data", owners);

    [Fact]
    public void listeners_are_the_holders_and_time_wait_is_counted()
    {
        var lines = StatWho.Describe(
        [
            Holder("LISTEN", "0.0.0.0", new SocketOwner(1234, "nginx", 6), new SocketOwner(1235, "nginx", 6)),
            Holder("LISTEN", "::", new SocketOwner(1234, "nginx", 7)),
            Holder("ESTAB", "127.0.0.1", new SocketOwner(1234, "nginx", 9)),
            Holder("TIME-WAIT", "127.0.0.1"),
            Holder("TIME-WAIT", "127.0.0.1"),
        ], ownersIncomplete: false).ToList();
        Assert.Equal(
        [
            "8080/tcp LISTEN on 0.0.0.0 held by nginx (pid 1234, fd 6) and nginx (pid 1235, fd 6), user www-data",
            "8080/tcp LISTEN on * held by nginx (pid 1234, fd 7), user www-data",
            "8080/tcp: 2 closed connections in TIME-WAIT (held by the kernel, no process)",
        ], lines);
    }

    [Fact]
    public void connections_are_listed_when_nothing_listens()
    {
        var line = Assert.Single(StatWho.Describe([Holder("ESTAB", "127.0.0.1", new SocketOwner(9, "curl", 3))], false));
        Assert.Equal("8080/tcp ESTAB on 127.0.0.1 held by curl (pid 9, fd 3), user www-data", line);
    }

    [Theory]
    [InlineData("stat --who 70000", "sock: who 70000: out of range (a port is a number from 1 to 65535)")]
    [InlineData("stat --who 80/sctp", "sock: who 80/sctp: the protocol is tcp or udp (8080/tcp, 53/udp)")]
    [InlineData("stat --watch 0.01", "sock: --watch takes seconds from 0.1 to 86400, not '0.01' (see 'sock stat --help')")]
    [InlineData("stat --watch --count 0", "sock: count 0: must be 1 or more")]
    [InlineData("stat --watch 1 --json", "sock: --watch --json: a live table is text; run --json once per snapshot instead")]
    public async Task bad_who_and_watch_values_are_usage_errors(string args, string error)
    {
        var run = await SockRunner.RunAsync(args);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal(error, Assert.Single(run.StderrLines));
    }
}

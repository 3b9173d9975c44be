using System.CommandLine;
using Sock.Cli.Rendering;
using Sock.Core.Demo;
using Sock.Core.Errors;
using Sock.Core.Inspection;
using Sock.Core.Tracing;

namespace Sock.Cli.Commands;

/// <summary>sock demo: the classic hello server and client, stage by stage, every call traced.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var udp = new Option<bool>("--udp", "-u") { Description = "Walk through UDP: no listen, no accept, an address on every datagram" };
        var unix = new Option<bool>("--unix", "-U") { Description = "Walk through a Unix domain stream socket (a socket file in a temporary directory)" };
        var ipv6 = new Option<bool>("-6", "--ipv6") { Description = "Use IPv6 loopback (::1) instead of 127.0.0.1" };
        var json = GlobalOptions.Json();
        var command = new Command("demo", """
            The classic hello server and client in one process, every socket call traced, the kernel's socket table shown.

            A server creates a socket, binds, listens; a client connects and sends "Hello from client"; the server prints it
            and replies "Hello from server"; both close. Each stage shows its socket calls as the BSD calls they stand for,
            and the kernel's own socket table while the connection is up. It ends with a connection refused.

            Examples:
              sock demo
              sock demo --udp
              sock demo --unix
              sock demo -6
              sock demo --json
            """)
        {
            udp, unix, ipv6, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var isUdp = parse.GetValue(udp);
            var isUnix = parse.GetValue(unix);
            var v6 = parse.GetValue(ipv6);
            if (isUnix && (isUdp || v6))
                throw SockException.Usage("demo", isUdp ? "--unix --udp" : "--unix -6", "contradictory options (a Unix socket has no UDP or IPv6 variant here)");
            var transport = isUnix ? DemoTransport.Unix : (isUdp, v6) switch
            {
                (true, true) => DemoTransport.Udp6,
                (true, false) => DemoTransport.Udp4,
                (false, true) => DemoTransport.Tcp6,
                _ => DemoTransport.Tcp4,
            };
            ISocketTableReader? table = OperatingSystem.IsLinux() ? new ProcNetReader() : null;
            if (parse.GetValue(json))
            {
                var recording = new DemoRecording();
                var result = await new HelloDemo(transport, new SocketTrace(recording), recording, table).RunAsync(ct);
                var report = new DemoReport(transport.ToString(), result.Exchanged, result.ServerReceived, result.ClientReceived,
                    result.RefusedError is null ? null : ErrorText.For(result.RefusedError), recording.Events);
                Console.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(report, SockJson.Default.DemoReport));
                return result.Exchanged ? ExitCodes.Success : ExitCodes.NetworkError;
            }
            var output = Console.Out;
            var observer = new DemoRenderer(output, Terminal.RichStdout);
            var trace = new SocketTrace(new TraceWriter(output, "    "));
            var outcome = await new HelloDemo(transport, trace, observer, table).RunAsync(ct);
            output.WriteLine();
            output.WriteLine(outcome.Exchanged
                ? "Done: the message went to the server and the reply came back."
                : "The exchange did not complete.");
            return outcome.Exchanged ? ExitCodes.Success : ExitCodes.NetworkError;
        });
        return command;
    }
}

// A line-based protocol server on Sock.Core's engine: each line comes back upper-cased; "quit" ends the session.
// Run: dotnet run --project samples/LineServer -- 7070      then: ncat 127.0.0.1 7070   (or samples/LineClient)
// Port 0 takes any free port; the first line printed says which.
using System.Buffers;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using Sock.Core.Connections;
using Sock.Core.Errors;
using Sock.Core.Serving;

var port = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 7070;
try
{
    await using var server = new SocketServer(new ServerOptions { MaxLineLength = 1024, IdleTimeout = TimeSpan.FromMinutes(5) });
    var listening = server.ListenStream("upper", new IPEndPoint(IPAddress.Loopback, port), UpperCaseLinesAsync);
    server.Start();
    Console.WriteLine($"upper-casing lines on {listening}; Ctrl-C or SIGTERM stops");
    var stop = new TaskCompletionSource();
    using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
    await stop.Task;
    await server.StopAsync();
    return 0;
}
catch (SockException e)
{
    // The library's errors say what failed and why ("bind to 127.0.0.1:7070 failed: address in use …").
    Console.Error.WriteLine($"LineServer: {e.Message}");
    return 1;
}

// The handler: one call per connection, reading lines from the connection's Input pipe and writing replies to Output.
static async ValueTask UpperCaseLinesAsync(Connection connection)
{
    while (true)
    {
        var result = await connection.Input.ReadAsync();
        var buffer = result.Buffer;
        LineStatus status;
        while ((status = LineReader.TryRead(ref buffer, connection.MaxLineLength, out var line)) == LineStatus.Line)
        {
            var text = Encoding.UTF8.GetString(line);
            if (text == "quit") return;
            connection.Output.Write(Encoding.UTF8.GetBytes(text.ToUpperInvariant() + "\n"));
        }
        connection.Input.AdvanceTo(buffer.Start, buffer.End);
        // A line over MaxLineLength, the peer's end of stream, or a peer that stopped reading ends the session.
        if (status == LineStatus.TooLong || result.IsCompleted || (await connection.Output.FlushAsync()).IsCompleted) return;
    }
}

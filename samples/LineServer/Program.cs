// A line-based protocol server on Sock.Core's engine: each line comes back upper-cased; "quit" ends the session.
// Run: dotnet run --project samples/LineServer -- 7070      then: nc 127.0.0.1 7070   (or samples/LineClient)
using System.Buffers;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using Sock.Core.Serving;

var port = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 7070;
await using var server = new SocketServer(new ServerOptions { MaxLineLength = 1024, IdleTimeout = TimeSpan.FromMinutes(5) });
server.ListenStream("upper", new IPEndPoint(IPAddress.Loopback, port), async connection =>
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
        if (status == LineStatus.TooLong || result.IsCompleted || (await connection.Output.FlushAsync()).IsCompleted) return;
    }
});
server.Start();
Console.WriteLine($"upper-casing lines on 127.0.0.1:{port}; Ctrl-C or SIGTERM stops");
var stop = new TaskCompletionSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
await stop.Task;
await server.StopAsync();

// The client for samples/LineServer, on Sock.Core's connection model: the same Connection (Input and Output pipes) a
// server's handler gets, from SocketClient.ConnectAsync. Sends each argument (or each line of stdin) as a line, prints
// each reply, then says "quit". Run: dotnet run --project samples/LineClient -- 7070 hello world
// With --ssl first it talks TLS (any certificate taken, as ncat --ssl), e.g. to `sock serve echo --ssl --port 7007`:
// dotnet run --project samples/LineClient -- --ssl 7007 hi. The pipes carry the plaintext all the same.
using System.Buffers;
using System.Text;
using Sock.Core.Connections;
using Sock.Core.Errors;
using Sock.Core.Serving;
using Sock.Core.Tls;

var ssl = args.Length > 0 && args[0] == "--ssl";
if (ssl) args = args[1..];
var port = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 7070;
var lines = args.Length > 1 ? args[1..] : ReadStdin();
try
{
    await using var connection = await SocketClient.ConnectAsync("127.0.0.1", port,
        new SocketClientOptions { Tls = ssl ? new TlsClientOptions() : null });
    foreach (var line in lines)
    {
        await connection.Output.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));
        Console.WriteLine(await ReplyAsync(connection) ?? "(the server closed the connection)");
    }
    await connection.Output.WriteAsync("quit\n"u8.ToArray());
    return 0;
}
catch (SockException e)
{
    // The library's errors say what failed and why ("connect to 127.0.0.1:7070 failed: connection refused …").
    Console.Error.WriteLine($"LineClient: {e.Message}");
    return 1;
}

// One line from the Input pipe, or null when the server ends the stream first.
static async Task<string?> ReplyAsync(Connection connection)
{
    while (true)
    {
        var result = await connection.Input.ReadAsync();
        var buffer = result.Buffer;
        if (LineReader.TryRead(ref buffer, 0, out var line) == LineStatus.Line)
        {
            var text = Encoding.UTF8.GetString(line); // before AdvanceTo: the line's bytes belong to the pipe
            connection.Input.AdvanceTo(buffer.Start);
            return text;
        }
        connection.Input.AdvanceTo(buffer.Start, buffer.End);
        if (result.IsCompleted) return null;
    }
}

static IEnumerable<string> ReadStdin()
{
    while (Console.ReadLine() is { } line) yield return line;
}

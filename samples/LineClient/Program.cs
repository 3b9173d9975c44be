// The client for samples/LineServer: sends each argument (or each line of stdin) as a line and prints the reply.
// Run: dotnet run --project samples/LineClient -- 7070 hello world
using System.Net;
using System.Net.Sockets;
using System.Text;

var port = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 7070;
var lines = args.Length > 1 ? args[1..] : ReadStdin();
using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
using var stream = new NetworkStream(socket);
using var reader = new StreamReader(stream, Encoding.UTF8);
foreach (var line in lines)
{
    await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));
    Console.WriteLine(await reader.ReadLineAsync() ?? "(server closed the connection)");
}
await stream.WriteAsync("quit\n"u8.ToArray());

static IEnumerable<string> ReadStdin()
{
    while (Console.ReadLine() is { } line) yield return line;
}

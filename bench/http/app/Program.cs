// The TechEmpower plaintext and JSON tests on one minimal app, on either transport: `--transport sock` (Kestrel over
// Sock.AspNetCore) or `--transport sockets` (Kestrel's default socket transport). Everything else is the same binary.
// bench/http/run.sh starts it; by hand: dotnet run -c Release --project bench/http/app -- --transport sock --urls http://127.0.0.1:8080
using System.Text.Json.Serialization;
using Sock.Bench.Http;

var transport = "sock";
int? ioThreads = null;
double? ioSpinUs = null;
var inline = false;
var rest = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--transport" && i + 1 < args.Length) transport = args[++i];
    else if (args[i] == "--inline") inline = true;
    else if (args[i] == "--io-threads" && i + 1 < args.Length) ioThreads = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
    else if (args[i] == "--io-spin-us" && i + 1 < args.Length) ioSpinUs = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
    else rest.Add(args[i]);
}
var builder = WebApplication.CreateSlimBuilder([.. rest]);
builder.Logging.ClearProviders();
if (transport == "sock") builder.WebHost.UseSockTransport(o =>
{
    o.Server.IoThreads = ioThreads ?? o.Server.IoThreads;
    if (ioSpinUs is { } us) o.Server.IoSpin = TimeSpan.FromMicroseconds(us);
    if (inline) o.Server.Connection.HandlerOnThreadPool = false;
});
else if (transport != "sockets") throw new ArgumentException($"--transport {transport}: sock or sockets");
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, BenchJson.Default));
var app = builder.Build();

var hello = "Hello, World!"u8.ToArray();
app.MapGet("/plaintext", () => Results.Bytes(hello, "text/plain"));
app.MapGet("/json", () => Results.Json(new Message("Hello, World!"), BenchJson.Default.Message));
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine($"listening on {string.Join(' ', app.Urls)} ({transport})"));
app.Run();

namespace Sock.Bench.Http
{
    internal sealed record Message(string message);

    [JsonSerializable(typeof(Message))]
    internal sealed partial class BenchJson : JsonSerializerContext;
}

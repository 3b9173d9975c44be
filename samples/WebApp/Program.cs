// A minimal ASP.NET Core app on Kestrel over sock's socket engine (Sock.AspNetCore): the usual app, one line more.
// Run: dotnet run --project samples/WebApp -- --urls http://127.0.0.1:8080      then: curl http://127.0.0.1:8080/socket
// Any Kestrel address works: --urls "http://[::1]:8080;http://unix:/tmp/web.sock"; port 0 takes any free port.
using System.Text;
using Sock.AspNetCore;

var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseSockTransport();
var app = builder.Build();

app.MapGet("/", () => "Hello, World!");
// This request's socket: its descriptor, addresses, state and bytes so far, as sock's socket model records it.
app.MapGet("/socket", (HttpContext context) => Describe(context.Features.Get<IConnectionSocketRecordFeature>()!.Record));
// Every socket the server holds now: the listeners, then each connection (this one among them).
app.MapGet("/sockets", (SockConnectionTable table) => string.Concat(table.Sockets.Select(Describe)));

app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine($"listening on {string.Join(' ', app.Urls)}"));
app.Run();

static string Describe(Sock.Core.Connections.SocketRecord r) => new StringBuilder()
    .Append($"fd {r.Handle} {r.Family} {r.Local} -> {r.Remote} {r.State}, {r.BytesIn} bytes in, {r.BytesOut} out, ")
    .Append($"opened {r.OpenedAt:HH:mm:ss.fff}, last active {r.LastActivity:HH:mm:ss.fff}\n").ToString();

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Inspection;
using Sock.Core.Tracing;
using Sock.Core.Sockets;

namespace Sock.Core.Demo;

/// <summary>
/// The seed example run end to end in one process: a server and a client on loopback exchange
/// "Hello from client" / "Hello from server" in the four stages of the socket model, while the operating system's own
/// socket table is read to show what the kernel holds. Every call goes through a <see cref="SocketTrace"/>.
/// </summary>
internal sealed class HelloDemo
{
    /// <summary>What the client sends.</summary>
    public const string ClientMessage = "Hello from client";

    /// <summary>What the server replies.</summary>
    public const string ServerMessage = "Hello from server";

    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(5);
    private readonly DemoTransport _transport;
    private readonly SocketTrace _trace;
    private readonly IDemoObserver _observer;
    private readonly ISocketTableReader? _table;

    /// <summary>A demo over <paramref name="transport"/>; <paramref name="table"/> reads the OS socket table (null where none is available).</summary>
    public HelloDemo(DemoTransport transport, SocketTrace trace, IDemoObserver observer, ISocketTableReader? table)
    {
        _transport = transport;
        _trace = trace;
        _observer = observer;
        _table = table;
    }

    /// <summary>Runs the walk. Failures of the exchange itself surface as <see cref="SockException"/>.</summary>
    public async Task<DemoOutcome> RunAsync(CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(StepTimeout * 4);
        return _transport switch
        {
            DemoTransport.Udp4 or DemoTransport.Udp6 => await RunDatagramAsync(cts.Token).ConfigureAwait(false),
            _ => await RunStreamAsync(cts.Token).ConfigureAwait(false),
        };
    }

    private async Task<DemoOutcome> RunStreamAsync(CancellationToken ct)
    {
        string? tempDir = null;
        EndPoint bindTo;
        if (_transport == DemoTransport.Unix)
        {
            tempDir = Directory.CreateTempSubdirectory("sock-demo-").FullName;
            bindTo = new UnixDomainSocketEndPoint(Path.Combine(tempDir, "hello.sock"));
        }
        else
        {
            bindTo = new IPEndPoint(_transport == DemoTransport.Tcp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0);
        }

        try
        {
            _observer.Stage(1, "Create the sockets", _transport == DemoTransport.Unix
                ? "The server asks for a socket, binds it to a path in the file system (the address of a Unix socket) and listens. The client asks for a socket of its own."
                : "The server asks the kernel for a socket, binds it to the loopback address with port 0 so the kernel picks a free port, and listens. The client asks for a socket of its own.");
            using var listener = SocketBinder.Open(bindTo, SocketType.Stream, new ListenSettings(), _trace);
            var serverAddress = listener.LocalEndPoint!;
            _observer.Said("server", $"listening on {EndpointText.Format(serverAddress)}");
            using var client = TracedSocket.CreateFor(serverAddress, SocketType.Stream, _trace);

            _observer.Stage(2, "Connect the pipe", "The client connects to the server's address; the server's accept() returns a new socket for this one client. The listening socket stays as it was, waiting for the next.");
            var connecting = client.ConnectAsync(serverAddress, StepTimeout, ct);
            using var served = await listener.AcceptAsync(ct).ConfigureAwait(false);
            await connecting.ConfigureAwait(false);
            _ = client.LocalEndPoint;
            ShowTable(listener, served, client);

            _observer.Stage(3, "Send and receive", "Each side writes into its socket and reads from it. The kernel carries the bytes; neither side sees the other's memory.");
            await client.SendAsync(Encoding.ASCII.GetBytes(ClientMessage), ct).ConfigureAwait(false);
            var serverGot = await ReceiveTextAsync(served, ClientMessage.Length, ct).ConfigureAwait(false);
            _observer.Said("server", serverGot);
            await served.SendAsync(Encoding.ASCII.GetBytes(ServerMessage), ct).ConfigureAwait(false);
            var clientGot = await ReceiveTextAsync(client, ServerMessage.Length, ct).ConfigureAwait(false);
            _observer.Said("client", clientGot);

            _observer.Stage(4, "Disconnect and destroy", "The client shuts down its sending side and closes; the server reads end-of-stream (recv returns 0), closes the connected socket, then the listening socket.");
            client.Shutdown(SocketShutdown.Send);
            client.Dispose();
            var buffer = new byte[64];
            _ = await served.ReceiveAsync(buffer, ct).ConfigureAwait(false);
            served.Dispose();
            listener.Dispose();

            var refused = await ProvokeRefusedAsync(ct).ConfigureAwait(false);
            return new DemoOutcome(serverGot, clientGot, refused);
        }
        finally
        {
            if (tempDir is not null)
            {
                try { Directory.Delete(tempDir, recursive: true); }
                catch (IOException) { }
            }
        }
    }

    private async Task<DemoOutcome> RunDatagramAsync(CancellationToken ct)
    {
        var loopback = _transport == DemoTransport.Udp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        _observer.Stage(1, "Create the sockets", "UDP has no listen and no accept. The server binds a datagram socket to a port; the client binds one too, so replies have somewhere to come back to.");
        using var server = TracedSocket.Create(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp, _trace);
        server.Bind(new IPEndPoint(loopback, 0));
        var serverAddress = server.LocalEndPoint!;
        _observer.Said("server", $"bound to {EndpointText.Format(serverAddress)}");
        using var client = TracedSocket.Create(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp, _trace);
        client.Bind(new IPEndPoint(loopback, 0));
        _ = client.LocalEndPoint;

        _observer.Stage(2, "No pipe to connect", "There is no connection: each datagram carries the address it goes to, and recvfrom() tells the server who sent it. Both sockets are UNCONN in the kernel's table.");
        ShowTable(server, client);

        _observer.Stage(3, "Send and receive", "The client sends one datagram to the server's address; the server answers to the address the datagram came from.");
        await client.SendToAsync(Encoding.ASCII.GetBytes(ClientMessage), serverAddress, ct).ConfigureAwait(false);
        var buffer = new byte[512];
        var any = new IPEndPoint(loopback.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        var got = await server.ReceiveFromAsync(buffer, any, ct).ConfigureAwait(false);
        var serverGot = Encoding.ASCII.GetString(buffer, 0, got.ReceivedBytes);
        _observer.Said("server", $"{serverGot}   (from {EndpointText.Format(got.RemoteEndPoint)})");
        await server.SendToAsync(Encoding.ASCII.GetBytes(ServerMessage), got.RemoteEndPoint, ct).ConfigureAwait(false);
        var reply = await client.ReceiveFromAsync(buffer, any, ct).ConfigureAwait(false);
        var clientGot = Encoding.ASCII.GetString(buffer, 0, reply.ReceivedBytes);
        _observer.Said("client", clientGot);

        _observer.Stage(4, "Destroy", "Nothing to disconnect: each side closes its socket.");
        client.Dispose();
        server.Dispose();

        var refused = await ProvokeRefusedAsync(ct).ConfigureAwait(false);
        return new DemoOutcome(serverGot, clientGot, refused);
    }

    private async Task<string> ReceiveTextAsync(TracedSocket socket, int expected, CancellationToken ct)
    {
        var buffer = new byte[expected];
        var filled = 0;
        while (filled < expected)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(filled), ct).ConfigureAwait(false);
            if (n == 0) break;
            filled += n;
        }
        return Encoding.ASCII.GetString(buffer, 0, filled);
    }

    private void ShowTable(params TracedSocket[] sockets)
    {
        if (_table is null)
        {
            _observer.Note("This operating system's socket table cannot be read here; `sock stat` explains what is missing.");
            return;
        }
        // Only this process's sockets: found by their inodes in /proc/self/fd, then read from the kernel's table.
        var mine = SocketOwnerIndex.Scan(pids: [Environment.ProcessId]);
        var kinds = _transport switch
        {
            DemoTransport.Unix => SocketKinds.Unix,
            DemoTransport.Udp4 or DemoTransport.Udp6 => SocketKinds.Udp,
            _ => SocketKinds.Tcp,
        };
        // Matched by descriptor, so the runtime's own sockets (its diagnostics IPC socket) stay out of the story.
        var fds = sockets.Select(s => s.Handle).ToHashSet();
        var rows = mine.Attach(_table.Read(kinds)).Where(r => r.Owners.Any(o => o.Pid == Environment.ProcessId && fds.Contains(o.Fd))).ToList();
        rows.Sort((a, b) => Order(a).CompareTo(Order(b)));
        _observer.SocketTable(_table.Source, rows, Notes(rows, sockets));
    }

    private static int Order(SocketTableEntry r) => r.State switch { "LISTEN" => 0, _ => 1 };

    private IReadOnlyList<string> Notes(IReadOnlyList<SocketTableEntry> rows, TracedSocket[] sockets)
    {
        var notes = new List<string>();
        if (_transport is DemoTransport.Tcp4 or DemoTransport.Tcp6)
        {
            var listen = rows.FirstOrDefault(r => r.State == "LISTEN");
            var established = rows.Where(r => r.State == "ESTAB").ToList();
            if (listen is not null)
            {
                var accepted = established.FirstOrDefault(r => r.LocalPort == listen.LocalPort);
                var client = established.FirstOrDefault(r => r.PeerPort == listen.LocalPort && r.LocalPort != listen.LocalPort);
                if (accepted is not null)
                    notes.Add($"The listening socket and the accepted socket share the server's port {listen.LocalPort}; they differ by the peer ({EndpointText.Format(accepted.PeerAddress!, accepted.PeerPort)} on the accepted one, none on the listener).");
                if (client is not null)
                    notes.Add($"The kernel gave the client the ephemeral port {client.LocalPort}, {Ports.Describe(Ports.Classify(client.LocalPort))}{EphemeralRangeText()}.");
            }
        }
        else if (_transport == DemoTransport.Unix)
        {
            notes.Add("Unix sockets have inodes, not ports: the listener and the socket accept() returned carry the server's path; the client's end is unnamed (it never called bind()), and each side is told apart by its inode.");
        }
        else
        {
            notes.Add("Both datagram sockets are UNCONN: bound, not connected. A datagram may come from anyone.");
        }
        if (rows.Count < sockets.Length)
            notes.Add($"The table showed {rows.Count} of the demo's {sockets.Length} sockets.");
        return notes;
    }

    private static string EphemeralRangeText()
    {
        const string path = "/proc/sys/net/ipv4/ip_local_port_range";
        try
        {
            if (!File.Exists(path)) return "";
            var f = File.ReadAllText(path).Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return f.Length == 2 ? string.Create(CultureInfo.InvariantCulture, $"; Linux picks client ports from {f[0]}–{f[1]} ({path})") : "";
        }
        catch (IOException) { return ""; }
    }

    private async Task<SockException?> ProvokeRefusedAsync(CancellationToken ct)
    {
        _observer.Note("Last, a client connects where nothing listens, as a client started before its server would:");
        EndPoint dead;
        string? tempDir = null;
        if (_transport == DemoTransport.Unix)
        {
            // A path where no server ever bound: the socket file is not there.
            tempDir = Directory.CreateTempSubdirectory("sock-demo-").FullName;
            dead = new UnixDomainSocketEndPoint(Path.Combine(tempDir, "nobody.sock"));
        }
        else
        {
            var loopback = _transport is DemoTransport.Tcp6 or DemoTransport.Udp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
            dead = FreePort(loopback);
        }
        try
        {
            if (_transport is DemoTransport.Udp4 or DemoTransport.Udp6)
            {
                // UDP learns of a closed port only from the ICMP "port unreachable" that answers a datagram.
                using var udp = TracedSocket.CreateFor(dead, SocketType.Dgram, _trace);
                await udp.ConnectAsync(dead, StepTimeout, ct).ConfigureAwait(false);
                await udp.SendAsync(Encoding.ASCII.GetBytes(ClientMessage), ct).ConfigureAwait(false);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(StepTimeout);
                await udp.ReceiveAsync(new byte[64], wait.Token).ConfigureAwait(false);
            }
            else
            {
                using var s = TracedSocket.CreateFor(dead, SocketType.Stream, _trace);
                await s.ConnectAsync(dead, StepTimeout, ct).ConfigureAwait(false);
            }
            _observer.Note("Unexpectedly, something answered there.");
            return null;
        }
        catch (SockException ex)
        {
            _observer.Refused(ex);
            if (_transport is DemoTransport.Udp4 or DemoTransport.Udp6 && ex.SocketError == SocketError.ConnectionRefused)
                _observer.Note($"UDP has no handshake to refuse: the kernel answered the datagram to {EndpointText.Format(dead)} with an ICMP port unreachable. "
                    + "Because the client's socket is connected (connect() fixed its one peer), Linux reports that ICMP error on the socket's next call, as ECONNREFUSED; an unconnected socket would never hear of it.");
            return ex;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            _observer.Note("No ICMP error came back in time (a firewall may drop it).");
            return null;
        }
        finally
        {
            if (tempDir is not null)
            {
                try { Directory.Delete(tempDir, recursive: true); }
                catch (IOException) { }
            }
        }
    }

    private IPEndPoint FreePort(IPAddress loopback)
    {
        // Bind port 0 to learn a port the kernel considers free, then let it go: nothing listens there now.
        using var probe = new Socket(loopback.AddressFamily, _transport is DemoTransport.Udp4 or DemoTransport.Udp6 ? SocketType.Dgram : SocketType.Stream,
            _transport is DemoTransport.Udp4 or DemoTransport.Udp6 ? ProtocolType.Udp : ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(loopback, 0));
        return (IPEndPoint)probe.LocalEndPoint!;
    }
}

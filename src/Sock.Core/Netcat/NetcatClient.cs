using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Tracing;

namespace Sock.Core.Netcat;

/// <summary>`sock connect`: connect, then relay stdin/stdout (or a program's), or with -z only report.</summary>
public static class NetcatClient
{
    /// <summary>
    /// Connects and relays until done. Returns null with -z (connected and closed at once); connection failures are
    /// thrown as <see cref="SockException"/>s.
    /// </summary>
    public static async Task<RelayResult?> RunAsync(NetcatOptions options, Stream? input, Stream? output, SocketTrace? trace, INetcatLog log,
        CancellationToken ct, Action<StreamRelay>? onStreamRelay = null)
    {
        if (options.RunsProgram) ExecRunner.StartInfo(options);
        if (options.ZeroIo && options.Udp && options.UnixPath is null)
            return await ProbeUdpAsync(options, trace, log, ct).ConfigureAwait(false);
        using var recorder = options.ZeroIo ? null : SessionRecorder.For(options);
        using var socket = await Connector.ConnectAsync(options, trace, log, ct).ConfigureAwait(false);
        var local = EndpointText.Format(socket.Socket.LocalEndPoint);
        var remote = EndpointText.Format(socket.Socket.RemoteEndPoint);
        log.Write(1, options.UnixPath is not null ? $"Connected to {options.UnixPath}" : $"Connected to {remote} from {local}");
        if (options.ZeroIo) return null;
        RelayResult result;
        if (options.RunsProgram)
            result = await ExecRunner.RunAsync(socket, options, recorder, ct).ConfigureAwait(false);
        else if (options.Udp)
            result = await new DatagramRelay(socket, options.IgnoresStdin ? null : input, options.SendOnly ? null : output, options, recorder)
                .RunAsync(ct).ConfigureAwait(false);
        else
        {
            var relay = new StreamRelay(socket, options.IgnoresStdin ? null : input, options.SendOnly ? null : output, options, recorder);
            onStreamRelay?.Invoke(relay);
            result = await relay.RunAsync(ct).ConfigureAwait(false);
        }
        log.Write(1, $"{result.BytesSent} bytes sent, {result.BytesReceived} bytes received ({Describe(result.End)})");
        return result;
    }

    private static async Task<RelayResult?> ProbeUdpAsync(NetcatOptions options, SocketTrace? trace, INetcatLog log, CancellationToken ct)
    {
        // UDP has no handshake: send an empty datagram and wait a moment for an ICMP "port unreachable".
        using var socket = await Connector.ConnectAsync(options, trace, log, ct).ConfigureAwait(false);
        await socket.SendAsync(ReadOnlyMemory<byte>.Empty, ct).ConfigureAwait(false);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(options.ConnectTimeout ?? TimeSpan.FromMilliseconds(500));
        try
        {
            await socket.ReceiveAsync(new byte[1], wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
        log.Write(1, $"UDP port {options.Port} on {EndpointText.Format(socket.Socket.RemoteEndPoint)} sent no refusal (open or filtered)");
        return null;
    }

    /// <summary>How an end reads in -v output.</summary>
    public static string Describe(RelayEnd end) => end switch
    {
        RelayEnd.PeerClosed => "peer closed",
        RelayEnd.QuitAfterEof => "-q after end of input",
        RelayEnd.Idle => "idle timeout",
        RelayEnd.OutputClosed => "output closed",
        _ => "interrupted",
    };
}

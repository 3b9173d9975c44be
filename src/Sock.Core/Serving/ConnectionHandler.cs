namespace Sock.Core.Serving;

/// <summary>
/// Serves one stream connection: read <see cref="ServerConnection.Input"/>, write and flush
/// <see cref="ServerConnection.Output"/>, return when done. Returning closes the connection after what was written is sent.
/// </summary>
public delegate ValueTask ConnectionHandler(ServerConnection connection);

/// <summary>Serves one datagram: read <see cref="ReceivedDatagram.Payload"/> and answer with <see cref="ReceivedDatagram.ReplyAsync"/>.</summary>
public delegate ValueTask DatagramHandler(ReceivedDatagram datagram);

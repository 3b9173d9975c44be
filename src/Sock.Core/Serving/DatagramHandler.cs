namespace Sock.Core.Serving;

/// <summary>Serves one datagram: read <see cref="ReceivedDatagram.Payload"/> and answer with <see cref="ReceivedDatagram.ReplyAsync"/>.</summary>
public delegate ValueTask DatagramHandler(ReceivedDatagram datagram);

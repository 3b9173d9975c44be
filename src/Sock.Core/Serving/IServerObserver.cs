using System.Net;
using Sock.Core.Connections;

namespace Sock.Core.Serving;

/// <summary>What a <see cref="SocketServer"/> reports as it runs; every method has an empty default.</summary>
public interface IServerObserver
{
    /// <summary>A connection was accepted.</summary>
    void Opened(SocketRecord record) { }

    /// <summary>A connection closed; <paramref name="record"/> has its totals and <see cref="SocketRecord.CloseReason"/>.</summary>
    void Closed(SocketRecord record) { }

    /// <summary>
    /// A connection or datagram was refused (too many connections, datagram too long), or a reply to a Unix datagram
    /// peer dropped (its queue full, or it is gone).
    /// </summary>
    void Rejected(string service, EndPoint? remote, string reason) { }

    /// <summary>
    /// A layer would not carry a connection it was given and closed it (<see cref="LayerRefusedException"/>): a TLS
    /// handshake that failed, say. <paramref name="record"/> is the connection's; <paramref name="reason"/> says why,
    /// naming the peer ("TLS handshake with 127.0.0.1:40000 failed: …").
    /// </summary>
    void LayerRefused(SocketRecord record, string layer, string reason) { }

    /// <summary>A handler or socket failed in a way that is not the peer's doing.</summary>
    void Failed(string service, Exception error) { }

    /// <summary>
    /// Whether <see cref="Exchanged"/> is wanted. Naming each datagram's sender costs an allocation the datagram path
    /// otherwise never makes, so the server reports datagrams only to an observer that asks.
    /// </summary>
    bool ObservesDatagrams => false;

    /// <summary>
    /// A datagram was handled (when <see cref="ObservesDatagrams"/>): who sent it, its size, and the replies sent to it
    /// (<paramref name="repliesOut"/> datagrams, <paramref name="bytesOut"/> bytes; none for discard, or a reply the
    /// network refused).
    /// </summary>
    void Exchanged(string service, string protocol, EndPoint? remote, int bytesIn, int repliesOut, int bytesOut) { }
}

using System.Net;

namespace Sock.Core.Forwarding;

/// <summary>
/// What a <see cref="Forwarder"/> with a UDP listening endpoint runs: the sessions of its client addresses (or datagrams),
/// started once the socket is bound, with the counts the forwarder reports.
/// </summary>
internal interface IDatagramSessions : IAsyncDisposable
{
    /// <summary>Client addresses (or datagrams) refused or dropped: the access list, the session limit, a target that could not be opened.</summary>
    long Refused { get; }

    /// <summary>Sessions open now.</summary>
    int Count { get; }

    long BytesToTarget { get; }

    long BytesToClient { get; }

    EndPoint Start();

    Task<int> StopAsync(TimeSpan drain);
}

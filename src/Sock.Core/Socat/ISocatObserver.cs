using Sock.Core.Errors;

namespace Sock.Core.Socat;

/// <summary>What a socat run reports for the front end to word: notices (-d -d), the bytes moved (-v, -x), and errors.</summary>
internal interface ISocatObserver
{
    /// <summary>A notice: listening, a connection accepted, an end of input, a relay finished.</summary>
    void Notice(string message);

    /// <summary>
    /// <paramref name="data"/> moved on relay <paramref name="relay"/>: from the first address to the second, or back
    /// (<paramref name="rightToLeft"/>); <paramref name="offset"/> is how much had moved that way before it.
    /// </summary>
    void Transferred(long relay, bool rightToLeft, ReadOnlySpan<byte> data, long offset);

    /// <summary>One client's relay failed (fork: the others go on).</summary>
    void Failed(SockException error);
}

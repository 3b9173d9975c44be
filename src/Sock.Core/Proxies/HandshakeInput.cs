using System.Buffers;
using System.IO.Pipelines;

namespace Sock.Core.Proxies;

/// <summary>
/// Reading a handshake's fields from a connection's input: exactly so many bytes, the rest left in the pipe for the
/// relay (bytes a client sends right after its request are the destination's, never dropped).
/// </summary>
internal static class HandshakeInput
{
    /// <summary>The next <paramref name="count"/> bytes, or null if the peer ended the stream first.</summary>
    public static async ValueTask<byte[]?> ReadExactlyAsync(PipeReader input, int count, CancellationToken ct)
    {
        if (count == 0) return [];
        var r = await input.ReadAtLeastAsync(count, ct).ConfigureAwait(false);
        if (r.Buffer.Length < count)
        {
            input.AdvanceTo(r.Buffer.Start, r.Buffer.End);
            return null;
        }
        var bytes = System.Buffers.BuffersExtensions.ToArray(r.Buffer.Slice(0, count));
        input.AdvanceTo(r.Buffer.GetPosition(count));
        return bytes;
    }

    /// <summary>
    /// Bytes up to and excluding a NUL (SOCKS4's user id and 4a's host name), at most <paramref name="max"/>: null if the
    /// stream ended or the field ran longer (the caller refuses either).
    /// </summary>
    public static async ValueTask<byte[]?> ReadNulTerminatedAsync(PipeReader input, int max, CancellationToken ct)
    {
        while (true)
        {
            var r = await input.ReadAsync(ct).ConfigureAwait(false);
            var buffer = r.Buffer;
            if (buffer.PositionOf((byte)0) is { } nul)
            {
                var field = buffer.Slice(0, nul);
                if (field.Length > max)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    return null;
                }
                var bytes = System.Buffers.BuffersExtensions.ToArray(field);
                input.AdvanceTo(buffer.GetPosition(1, nul));
                return bytes;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            if (buffer.Length > max || r.IsCompleted) return null;
        }
    }
}

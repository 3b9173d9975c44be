using System.Runtime.CompilerServices;

namespace Sock.Core.Netcat;

/// <summary>
/// What the listeners broadcast: their input read chunk by chunk until end of file, each chunk translated for -C
/// when asked. A chunk is valid until the next one is requested, so a consumer that keeps it must copy it.
/// </summary>
internal static class InputChunks
{
    public static async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(Stream input, int bufferSize, bool crlf,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var buffer = new byte[bufferSize];
        var translator = crlf ? new CrlfTranslator() : null;
        var scratch = translator is null ? null : new byte[bufferSize * 2];
        while (true)
        {
            // WaitAsync: a console stream's read does not always honour the token.
            var n = await input.ReadAsync(buffer, ct).AsTask().WaitAsync(ct).ConfigureAwait(false);
            if (n == 0) yield break;
            ReadOnlyMemory<byte> data = buffer.AsMemory(0, n);
            yield return translator is null ? data : translator.Translate(data, scratch!);
        }
    }
}

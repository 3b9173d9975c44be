namespace Sock.Core.Netcat;

/// <summary>Splits a chat client's stream into lines, keeping a partial line until its newline arrives (at most 64 KiB).</summary>
internal sealed class ChatLineBuffer
{
    private const int MaxLine = 64 * 1024;
    private readonly List<byte> _partial = [];

    public List<byte[]> Add(ReadOnlySpan<byte> data)
    {
        var lines = new List<byte[]>();
        foreach (var b in data)
        {
            _partial.Add(b);
            if (b == (byte)'\n' || _partial.Count >= MaxLine)
            {
                lines.Add([.. _partial]);
                _partial.Clear();
            }
        }
        return lines;
    }
}

using System.Text;

namespace Sock.Core.Netcat;

/// <summary>--chat: the lines the chat server sends, and control characters made visible.</summary>
internal static class ChatText
{
    /// <summary>The name of client <paramref name="id"/>: "&lt;user#3&gt;".</summary>
    public static string Name(int id) => $"<user#{id}>";

    /// <summary>One line from a client as the others see it: its name, then the text with control characters escaped.</summary>
    public static byte[] Line(int id, ReadOnlySpan<byte> line)
    {
        var sb = new StringBuilder(line.Length + 16);
        sb.Append(Name(id)).Append(' ');
        foreach (var b in line)
        {
            if (b == (byte)'\n' || b == (byte)'\r') continue;
            if (b < 0x20 && b != (byte)'\t' || b == 0x7f) sb.Append("\\x").Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            else sb.Append((char)b);
        }
        sb.Append('\n');
        // Bytes above 0x7f pass through as they came (UTF-8 stays UTF-8).
        var text = sb.ToString();
        var bytes = new byte[text.Length];
        for (var i = 0; i < text.Length; i++) bytes[i] = (byte)text[i];
        return bytes;
    }

    /// <summary>An announcement line: "&lt;announce&gt; …".</summary>
    public static byte[] Announce(string text) => Encoding.UTF8.GetBytes($"<announce> {text}\n");
}

using System.Globalization;
using System.Text;

namespace Sock.Cli.Rendering;

/// <summary>Bytes a service sent, made safe to print: printable ASCII as is, \r \n \t and \\ escaped, the rest as \xNN.</summary>
internal static class BannerText
{
    public static string Escape(byte[] bytes, int maxChars)
    {
        var sb = new StringBuilder();
        foreach (var b in bytes)
        {
            var piece = b switch
            {
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n",
                (byte)'\t' => "\\t",
                (byte)'\\' => "\\\\",
                >= 0x20 and < 0x7f => ((char)b).ToString(),
                _ => string.Create(CultureInfo.InvariantCulture, $"\\x{b:x2}"),
            };
            if (sb.Length + piece.Length > maxChars)
            {
                sb.Append("...");
                break;
            }
            sb.Append(piece);
        }
        return sb.ToString();
    }
}

using System.Buffers;
using System.Text;
using Sock.Core.Errors;
using Sock.Core.Serving;

namespace Sock.Core.Inetd;

/// <summary>RFC 865: one short quotation (at most 512 bytes, CRLF line endings), then close.</summary>
public static class QotdService
{
    /// <summary>The RFC's limit on a quotation, in bytes.</summary>
    public const int MaxQuote = 512;

    /// <summary>The largest quotes file read: a fortune collection is a few hundred KiB; /dev/zero has no end.</summary>
    public const int MaxFileBytes = 1 << 20;

    /// <summary>The quotes served when no file is given.</summary>
    public static IReadOnlyList<string> BuiltInQuotes { get; } =
    [
        "The only way to go fast is to go well. -- Robert C. Martin",
        "Be conservative in what you do, be liberal in what you accept from others. -- RFC 793 (Jon Postel)",
        "Simplicity is prerequisite for reliability. -- Edsger W. Dijkstra",
        "Premature optimization is the root of all evil. -- Donald Knuth",
        "Measure. Don't tune for speed until you've measured. -- Rob Pike",
        "There are two ways of constructing a software design: make it so simple that there are obviously no deficiencies,\nor make it so complicated that there are no obvious deficiencies. -- C. A. R. Hoare",
        "Everything should be made as simple as possible, but not simpler. -- attributed to Albert Einstein",
    ];

    /// <summary>
    /// Reads quotes from a file: separated by lines holding only "%" (the fortune format) or, when there are none, by
    /// blank lines. A usage error if the file has none or one is longer than 512 bytes.
    /// </summary>
    public static IReadOnlyList<string> Load(string path)
    {
        string text;
        try
        {
            // A device or a pipe may never end (/dev/zero) or never open (a FIFO nobody writes): regular files only.
            if (OperatingSystem.IsLinux() && Platform.Linux.Statx.Kind(path, follow: true) is var kind && kind is not (Platform.FileKind.Regular or Platform.FileKind.Missing))
                throw SockException.Usage("quotes file", path, kind == Platform.FileKind.Directory ? "is a directory" : "is not a regular file");
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
            var bytes = new byte[MaxFileBytes + 1];
            var length = 0;
            int n;
            while (length < bytes.Length && (n = file.Read(bytes, length, bytes.Length - length)) > 0) length += n;
            if (length > MaxFileBytes)
                throw SockException.Usage("quotes file", path, $"is larger than {MaxFileBytes / (1 << 20)} MiB (the most sock reads)");
            text = new UTF8Encoding(false).GetString(bytes, 0, length).TrimStart('\uFEFF').ReplaceLineEndings("\n");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw SockException.Usage("quotes file", path, FileErrorText.Describe(ex, path, "cannot be read"));
        }
        var lines = text.Split('\n');
        var byPercent = lines.Any(l => l.Trim() == "%");
        var quotes = new List<string>();
        var current = new StringBuilder();
        void End()
        {
            var q = current.ToString().Trim('\n', ' ', '\t');
            if (q.Length > 0) quotes.Add(q);
            current.Clear();
        }
        foreach (var line in lines)
        {
            if (byPercent ? line.Trim() == "%" : line.Trim().Length == 0) End();
            else current.Append(line).Append('\n');
        }
        End();
        if (quotes.Count == 0)
            throw SockException.Usage("quotes file", path, "has no quotes (separate them with lines holding only %, or blank lines)");
        for (var i = 0; i < quotes.Count; i++)
            if (Encode(quotes[i]).Length > MaxQuote)
                throw SockException.Usage("quotes file", path, $"quote {i + 1} is longer than {MaxQuote} bytes (RFC 865's limit)");
        return quotes;
    }

    /// <summary>A quote as sent: UTF-8, CRLF line endings, ending in CRLF.</summary>
    public static byte[] Encode(string quote) => Encoding.UTF8.GetBytes(quote.ReplaceLineEndings("\r\n") + "\r\n");

    internal static SmallService Create(IReadOnlyList<string> quotes)
    {
        var encoded = quotes.Select(Encode).Where(q => q.Length <= MaxQuote).ToArray();
        if (encoded.Length == 0) throw SockException.Usage("quotes", "(list)", "no quote fits in 512 bytes");
        byte[] Pick() => encoded[Random.Shared.Next(encoded.Length)];
        return new SmallService("qotd", 17, "RFC 865", "sends a short quotation",
            async connection =>
            {
                connection.Output.Write(Pick());
                await connection.Output.FlushAsync().ConfigureAwait(false);
            },
            datagram => datagram.ReplyAsync(Pick()));
    }
}

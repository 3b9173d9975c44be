using System.Buffers;
using System.Globalization;
using System.Text;
using Sock.Core.Connections;
using Sock.Core.Serving;

namespace Sock.Core.Inetd;

/// <summary>
/// RFC 867: one line with the date and time, then close. The line is the one BSD inetd sends, ctime(3)'s local time:
/// "Sat Nov 21 05:38:02 2026\r\n".
/// </summary>
public static class DaytimeService
{
    /// <summary>The daytime line for <paramref name="now"/>, CRLF included.</summary>
    public static string Line(DateTime now) => string.Create(CultureInfo.InvariantCulture,
        $"{now.ToString("ddd MMM", CultureInfo.InvariantCulture)} {now.Day,2} {now.ToString("HH:mm:ss yyyy", CultureInfo.InvariantCulture)}\r\n");

    /// <summary>Sends the line and closes; what the client sends is ignored.</summary>
    public static async ValueTask ServeAsync(Connection connection)
    {
        connection.Output.Write(Encoding.ASCII.GetBytes(Line(DateTime.Now)));
        await connection.Output.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Answers any datagram with the line.</summary>
    public static ValueTask ServeAsync(ReceivedDatagram datagram) => datagram.ReplyAsync(Encoding.ASCII.GetBytes(Line(DateTime.Now)));
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Core.Inspection;
using Sock.Core.Services;
using Spectre.Console;

namespace Sock.Cli.Rendering;

/// <summary>What sock stat shows besides the base columns, as ss's -n -p -e -o -i -m choose it.</summary>
internal sealed record StatLayout(bool Netid, bool State, bool Numeric, bool Processes, bool Extended, bool Timers, bool Info, bool Memory, bool Header);

/// <summary>
/// The socket table in ss's columns and spelling: Netid, State, Recv-Q, Send-Q, Local Address:Port,
/// Peer Address:Port, Process; Unix sockets as "path inode"; users:(("comm",pid=N,fd=N)).
/// </summary>
internal static class StatRenderer
{
    private static readonly Dictionary<int, string> InterfaceNames = [];

    public static string[] Headers(StatLayout layout)
    {
        var h = new List<string>();
        if (layout.Netid) h.Add("Netid");
        if (layout.State) h.Add("State");
        h.AddRange(["Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port", "Process"]);
        return h.ToArray();
    }

    /// <summary>The cells of one row, in header order; the last cell holds process, timer, details (and -i's second line).</summary>
    public static string[] Cells(SocketTableEntry r, StatLayout layout)
    {
        var cells = new string[(layout.Netid ? 1 : 0) + (layout.State ? 1 : 0) + 5];
        var i = 0;
        if (layout.Netid) cells[i++] = r.Netid;
        if (layout.State) cells[i++] = r.State;
        cells[i++] = r.RecvQ.ToString(CultureInfo.InvariantCulture);
        cells[i++] = r.SendQ.ToString(CultureInfo.InvariantCulture);
        cells[i++] = Local(r, layout.Numeric);
        cells[i++] = Peer(r, layout.Numeric);
        cells[i] = Extras(r, layout);
        return cells;
    }

    public static string Local(SocketTableEntry r, bool numeric) => r.IsUnix
        ? $"{r.Path ?? "*"} {r.Inode.ToString(CultureInfo.InvariantCulture)}"
        : Address(r.LocalAddress, r.V6Only, r.InterfaceIndex) + ":" + Port(r.LocalPort, r.Netid, numeric);

    public static string Peer(SocketTableEntry r, bool numeric) => r.IsUnix
        ? $"* {r.PeerInode.ToString(CultureInfo.InvariantCulture)}"
        : Address(r.PeerAddress, r.V6Only, 0) + ":" + Port(r.PeerPort, r.Netid, numeric);

    /// <summary>ss's address spelling: [v6] in brackets, the dual-stack wildcard as *, %ifname when bound to a device.</summary>
    public static string Address(IPAddress? a, bool? v6only, int ifindex)
    {
        string text;
        if (a is null) text = "*";
        else if (a.AddressFamily == AddressFamily.InterNetworkV6)
            text = v6only != true && a.Equals(IPAddress.IPv6Any) ? "*" : "[" + a + "]";
        else text = a.ToString();
        return ifindex == 0 ? text : text + "%" + InterfaceName(ifindex);
    }

    public static string Port(int port, string netid, bool numeric)
    {
        if (port == 0) return "*";
        if (!numeric && netid is "tcp" or "udp" && ServiceRegistry.Default.NameOf(port, netid) is { } name) return name;
        // A raw socket's "port" is its IP protocol number; ss names it from /etc/protocols.
        if (!numeric && netid == "raw" && Protocols.Value.TryGetValue(port, out var proto)) return proto;
        return port.ToString(CultureInfo.InvariantCulture);
    }

    private static readonly Lazy<Dictionary<int, string>> Protocols = new(() =>
    {
        var map = new Dictionary<int, string>();
        try
        {
            if (!File.Exists("/etc/protocols")) return map;
            foreach (var line in File.ReadLines("/etc/protocols"))
            {
                var f = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (f.Length >= 2 && !f[0].StartsWith('#') && int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                    map.TryAdd(n, f[0]);
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return map;
    });

    public static string Users(IReadOnlyList<SocketOwner> owners) =>
        owners.Count == 0 ? "" : "users:(" + string.Join(',', owners.Select(o =>
            o.Fd < 0 ? string.Create(CultureInfo.InvariantCulture, $"(\"{o.Command}\",pid={o.Pid})") // over SNMP: no descriptor known
            : string.Create(CultureInfo.InvariantCulture, $"(\"{o.Command}\",pid={o.Pid},fd={o.Fd})"))) + ")";

    private static string Extras(SocketTableEntry r, StatLayout layout)
    {
        if (!layout.Processes && !layout.Timers && !layout.Extended && !layout.Info && !layout.Memory) return "";
        var sb = new StringBuilder();
        if (layout.Processes) sb.Append(Users(r.Owners));
        if (layout.Timers && r.Timer is not null)
            sb.Append(CultureInfo.InvariantCulture, $" timer:({r.Timer},{Timer(r.TimerExpiresMs)},{r.TimerRetransmits})");
        if (layout.Extended)
        {
            if (r.Uid != 0) sb.Append(CultureInfo.InvariantCulture, $" uid:{r.Uid}");
            sb.Append(CultureInfo.InvariantCulture, $" ino:{r.Inode}");
            if (r.Cookie != 0) sb.Append(CultureInfo.InvariantCulture, $" sk:{r.Cookie:x}");
            if (r.CgroupId != 0) sb.Append(" cgroup:").Append(CgroupPaths.PathOf(r.CgroupId));
        }
        // ss puts a Unix socket's memory at the end of its row, and an inet socket's at the start of the second line,
        // where -i's TCP internals follow it.
        var memory = layout.Memory && r.Memory is { } m ? Memory(m) : null;
        if (memory is not null && r.IsUnix) sb.Append(' ').Append(memory);
        var tcp = layout.Info && r.Tcp is { } t ? Info(t, layout.Timers || layout.Extended) : null;
        if ((memory is not null && !r.IsUnix) || tcp is not null)
        {
            sb.Append("\n\t");
            if (memory is not null && !r.IsUnix) sb.Append(' ').Append(memory);
            if (tcp is not null) sb.Append(' ').Append(tcp);
        }
        return sb.ToString().TrimStart(' ');
    }

    /// <summary>ss -m's spelling: skmem:(r0,rb131072,t0,tb16384,f0,w0,o0,bl0,d0), bl and d only when the kernel gave them.</summary>
    public static string Memory(SocketMemory m)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture,
            $"skmem:(r{m.ReceiveAllocated},rb{m.ReceiveBuffer},t{m.SendAllocated},tb{m.SendBuffer},f{m.ForwardAllocated},w{m.SendQueued},o{m.OptionMemory}");
        if (m.Backlog is { } bl) sb.Append(CultureInfo.InvariantCulture, $",bl{bl}");
        if (m.Drops is { } d) sb.Append(CultureInfo.InvariantCulture, $",d{d}");
        return sb.Append(')').ToString();
    }

    /// <summary>ss's timer spelling: 1min2sec, 3.5sec → "3.500ms"-style pieces as print_ms_timer has them.</summary>
    public static string Timer(long ms)
    {
        var secs = ms / 1000;
        var minutes = secs / 60;
        secs %= 60;
        var msecs = ms % 1000;
        var sb = new StringBuilder();
        if (minutes > 0)
        {
            msecs = 0;
            sb.Append(CultureInfo.InvariantCulture, $"{minutes}min");
            if (minutes > 9) secs = 0;
        }
        if (secs > 0)
        {
            if (secs > 9) msecs = 0;
            sb.Append(CultureInfo.InvariantCulture, $"{secs}{(msecs > 0 ? "." : "sec")}");
        }
        if (msecs > 0) sb.Append(CultureInfo.InvariantCulture, $"{msecs:000}ms");
        return sb.Length == 0 ? "0ms" : sb.ToString();
    }

    /// <summary>
    /// The -i line, in ss's words; as ss, a field the kernel left at zero (a listener's, say) is left out, and the
    /// negotiated options (ts, sack…) are named only with <paramref name="options"/> (ss's -o or -e).
    /// </summary>
    public static string Info(TcpInternals t, bool options = true)
    {
        static string Ms(long us) => (us / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);
        // C's %g, as ss prints gains and times: six significant digits, no trailing zeros.
        static string G(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        // Every field is " name:value"; the leading space of the first goes at the end.
        if (options) foreach (var o in t.Options) sb.Append(' ').Append(o);
        if (t.Congestion is not null) sb.Append(' ').Append(t.Congestion);
        if (t.HasWindowScale) sb.Append(CultureInfo.InvariantCulture, $" wscale:{t.SendWindowScale},{t.ReceiveWindowScale}");
        // ss hides the initial 3 s timeout.
        if (t.RtoUs > 0 && t.RtoUs != 3_000_000) sb.Append(CultureInfo.InvariantCulture, $" rto:{Ms(t.RtoUs)}");
        if (t.RttUs > 0) sb.Append(CultureInfo.InvariantCulture, $" rtt:{Ms(t.RttUs)}/{Ms(t.RttVarUs)}");
        if (t.AtoUs > 0) sb.Append(CultureInfo.InvariantCulture, $" ato:{Ms(t.AtoUs)}");
        if (t.Mss > 0) sb.Append(CultureInfo.InvariantCulture, $" mss:{t.Mss}");
        if (t.Pmtu > 0) sb.Append(CultureInfo.InvariantCulture, $" pmtu:{t.Pmtu}");
        if (t.RcvMss > 0) sb.Append(CultureInfo.InvariantCulture, $" rcvmss:{t.RcvMss}");
        if (t.AdvMss > 0) sb.Append(CultureInfo.InvariantCulture, $" advmss:{t.AdvMss}");
        if (t.Cwnd > 0) sb.Append(CultureInfo.InvariantCulture, $" cwnd:{t.Cwnd}");
        if (t.SendSsthresh is > 0 and < 0xFFFF) sb.Append(CultureInfo.InvariantCulture, $" ssthresh:{t.SendSsthresh}");
        if (t.BytesSent > 0) sb.Append(CultureInfo.InvariantCulture, $" bytes_sent:{t.BytesSent}");
        if (t.BytesRetrans > 0) sb.Append(CultureInfo.InvariantCulture, $" bytes_retrans:{t.BytesRetrans}");
        if (t.BytesAcked > 0) sb.Append(CultureInfo.InvariantCulture, $" bytes_acked:{t.BytesAcked}");
        if (t.BytesReceived > 0) sb.Append(CultureInfo.InvariantCulture, $" bytes_received:{t.BytesReceived}");
        if (t.SegsOut > 0) sb.Append(CultureInfo.InvariantCulture, $" segs_out:{t.SegsOut}");
        if (t.SegsIn > 0) sb.Append(CultureInfo.InvariantCulture, $" segs_in:{t.SegsIn}");
        if (t.DataSegsOut > 0) sb.Append(CultureInfo.InvariantCulture, $" data_segs_out:{t.DataSegsOut}");
        if (t.DataSegsIn > 0) sb.Append(CultureInfo.InvariantCulture, $" data_segs_in:{t.DataSegsIn}");
        if (t.Bbr is { } b)
            sb.Append(CultureInfo.InvariantCulture, $" bbr:(bw:{b.BandwidthBytesPerSecond * 8}bps,mrtt:{G(b.MinRttUs / 1000.0)},pacing_gain:{G(b.PacingGain)},cwnd_gain:{G(b.CwndGain)})");
        if (t.RttUs > 0 && t.Cwnd > 0)
            sb.Append(CultureInfo.InvariantCulture, $" send {(long)(t.Cwnd * (double)t.Mss * 8 * 1_000_000 / t.RttUs)}bps");
        if (t.LastSendMs > 0) sb.Append(CultureInfo.InvariantCulture, $" lastsnd:{t.LastSendMs}");
        if (t.LastReceiveMs > 0) sb.Append(CultureInfo.InvariantCulture, $" lastrcv:{t.LastReceiveMs}");
        if (t.LastAckMs > 0) sb.Append(CultureInfo.InvariantCulture, $" lastack:{t.LastAckMs}");
        if (t.PacingRate is > 0 and < ulong.MaxValue) sb.Append(CultureInfo.InvariantCulture, $" pacing_rate {t.PacingRate * 8}bps");
        if (t.DeliveryRate > 0) sb.Append(CultureInfo.InvariantCulture, $" delivery_rate {t.DeliveryRate * 8}bps");
        if (t.Delivered > 0) sb.Append(CultureInfo.InvariantCulture, $" delivered:{t.Delivered}");
        if (t.AppLimited) sb.Append(" app_limited");
        if (t.Unacked > 0) sb.Append(CultureInfo.InvariantCulture, $" unacked:{t.Unacked}");
        if (t.Retrans > 0 || t.TotalRetrans > 0) sb.Append(CultureInfo.InvariantCulture, $" retrans:{t.Retrans}/{t.TotalRetrans}");
        if (t.Lost > 0) sb.Append(CultureInfo.InvariantCulture, $" lost:{t.Lost}");
        // ss names the reordering metric only when it differs from the kernel's initial 3.
        if (t.Reordering is > 0 and not 3) sb.Append(CultureInfo.InvariantCulture, $" reordering:{t.Reordering}");
        if (t.RcvRttUs > 0) sb.Append(CultureInfo.InvariantCulture, $" rcv_rtt:{G(t.RcvRttUs / 1000.0)}");
        if (t.RcvSpace > 0) sb.Append(CultureInfo.InvariantCulture, $" rcv_space:{t.RcvSpace}");
        if (t.RcvSsthresh > 0) sb.Append(CultureInfo.InvariantCulture, $" rcv_ssthresh:{t.RcvSsthresh}");
        if (t.NotSentBytes > 0) sb.Append(CultureInfo.InvariantCulture, $" notsent:{t.NotSentBytes}");
        if (t.MinRttUs > 0) sb.Append(CultureInfo.InvariantCulture, $" minrtt:{Ms(t.MinRttUs)}");
        if (t.SendWindow > 0) sb.Append(CultureInfo.InvariantCulture, $" snd_wnd:{t.SendWindow}");
        return sb.ToString().TrimStart(' ');
    }

    /// <summary>Plain text in ss's layout: columns padded to the widest cell, one space apart, no trailing spaces.</summary>
    public static void WritePlain(TextWriter output, StatLayout layout, IReadOnlyList<SocketTableEntry> rows, IReadOnlyList<string>? marks = null)
    {
        var headers = Headers(layout);
        var cells = new string[rows.Count][];
        for (var r = 0; r < rows.Count; r++) cells[r] = Cells(rows[r], layout);
        var widths = new int[headers.Length];
        for (var c = 0; c < headers.Length - 1; c++)
        {
            var w = layout.Header ? headers[c].Length : 0;
            foreach (var row in cells) w = Math.Max(w, row[c].Length);
            widths[c] = w;
        }
        var widest = 0;
        foreach (var w in widths) widest = Math.Max(widest, w);
        var spaces = new string(' ', widest + 2);
        void Line(string[] row, string? mark)
        {
            if (marks is not null) { output.Write(mark ?? ""); output.Write(spaces.AsSpan(0, 2 - (mark?.Length ?? 0))); }
            var last = row.Length - 1;
            while (last > 0 && row[last].Length == 0) last--;
            for (var c = 0; c <= last; c++)
            {
                output.Write(row[c]);
                if (c < last) output.Write(spaces.AsSpan(0, widths[c] - row[c].Length + 1));
            }
            output.Write('\n');
        }
        if (layout.Header) Line(headers, marks is null ? null : "");
        for (var r = 0; r < cells.Length; r++) Line(cells[r], marks?[r]);
        output.Flush();
    }

    /// <summary>A Spectre table with states coloured, for a terminal.</summary>
    public static Table RichTable(StatLayout layout, IReadOnlyList<SocketTableEntry> rows, IReadOnlyList<string>? marks = null)
    {
        var table = new Table().Border(TableBorder.Simple);
        if (marks is not null) table.AddColumn(new TableColumn(""));
        foreach (var h in Headers(layout)) table.AddColumn(new TableColumn($"[bold]{Markup.Escape(h)}[/]"));
        if (!layout.Header) table.HideHeaders();
        for (var i = 0; i < rows.Count; i++)
        {
            var cells = Cells(rows[i], layout);
            var colour = rows[i].State switch
            {
                "ESTAB" => "green", "LISTEN" => "cyan", "UNCONN" => "blue", "TIME-WAIT" or "CLOSE-WAIT" or "FIN-WAIT-1" or "FIN-WAIT-2" or "LAST-ACK" or "CLOSING" => "yellow",
                _ => "default",
            };
            var markups = cells.Select((c, ci) => layout.State && ci == (layout.Netid ? 1 : 0)
                ? new Markup($"[{colour}]{Markup.Escape(c)}[/]") : new Markup(Markup.Escape(c))).ToList();
            if (marks is not null)
                markups.Insert(0, new Markup(marks[i] switch { "+" => "[green]+[/]", "-" => "[red]-[/]", _ => "" }));
            table.AddRow(markups);
        }
        return table;
    }

    /// <summary>ss -s.</summary>
    public static void WriteSummary(TextWriter output, SocketSummary s)
    {
        string Row(string name, long v4, long v6) =>
            string.Create(CultureInfo.InvariantCulture, $"{name}\t  {v4 + v6,-9} {v4,-9} {v6,-9}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Total: {s.Sockets}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"TCP:   {s.TcpTotal} (estab {s.TcpEstablished}, closed {s.TcpClosed}, orphaned {s.TcpOrphaned}, timewait {s.TcpTimeWait})"));
        output.WriteLine();
        output.WriteLine("Transport Total     IP        IPv6");
        output.WriteLine(Row("RAW", s.Raw4, s.Raw6));
        output.WriteLine(Row("UDP", s.Udp4, s.Udp6));
        output.WriteLine(Row("TCP", s.Tcp4, s.Tcp6));
        output.WriteLine(Row("INET", s.Raw4 + s.Udp4 + s.Tcp4, s.Raw6 + s.Udp6 + s.Tcp6));
        output.WriteLine(Row("FRAG", s.Frag4, s.Frag6));
    }

    private static string InterfaceName(int index)
    {
        if (InterfaceNames.Count == 0)
        {
            try
            {
                foreach (var dir in Directory.EnumerateDirectories("/sys/class/net"))
                    if (int.TryParse(File.ReadAllText(Path.Combine(dir, "ifindex")).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var i))
                        InterfaceNames[i] = Path.GetFileName(dir);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return InterfaceNames.TryGetValue(index, out var n) ? n : index.ToString(CultureInfo.InvariantCulture);
    }
}

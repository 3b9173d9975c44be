using System.Numerics;
using Sock.Cli.Rendering;
using Sock.Core.Inspection;

namespace Sock.Cli.Commands;

/// <summary>One read of the socket table for sock stat: the rows after filtering, in ss's table order, with owners.</summary>
internal sealed class StatTable
{
    private static bool _notRootNoted;

    private StatTable(IReadOnlyList<SocketTableEntry> rows, StatLayout layout, string? limitation, bool ownersIncomplete)
    {
        Rows = rows;
        Layout = layout;
        Limitation = limitation;
        OwnersIncomplete = ownersIncomplete;
    }

    public IReadOnlyList<SocketTableEntry> Rows { get; }
    public StatLayout Layout { get; }
    public string? Limitation { get; }
    public bool OwnersIncomplete { get; }

    public static StatTable Read(StatOptions o, SocketTableReaders? reader = null)
    {
        reader ??= SocketTableReaders.ForThisMachine();
        var states = o.States;
        var rows = reader.Read(new SocketTableQuery(o.Kinds, states, o.Info));
        var filtered = new List<SocketTableEntry>(rows.Count);
        foreach (var r in rows)
            if ((SocketStates.BitOf(r.State) & states) != 0 && o.Filter.Matches(r)) filtered.Add(r);
        // ss's order: Unix, raw, UDP, TCP; the kernel's order within a table.
        IReadOnlyList<SocketTableEntry> ordered = filtered.OrderBy(r => r.Netid switch { "tcp" => 3, "udp" => 2, "raw" => 1, _ => 0 }).ToList();
        var incomplete = false;
        if (o.Processes)
        {
            var owners = SocketOwnerIndex.Scan();
            incomplete = owners.Incomplete || !Environment.IsPrivilegedProcess;
            ordered = owners.Attach(ordered);
        }
        var tables = ((o.Kinds & SocketKinds.Tcp) != 0 ? 1 : 0) + ((o.Kinds & SocketKinds.Udp) != 0 ? 1 : 0)
            + ((o.Kinds & SocketKinds.Raw) != 0 ? 1 : 0) + ((o.Kinds & SocketKinds.Unix) != 0 ? 3 : 0);
        var stateCount = BitOperations.PopCount(states & ~(1u << SocketStates.NewSynRecv));
        var layout = new StatLayout(tables > 1, stateCount > 1, o.Numeric, o.Processes, o.Extended, o.Timers, o.Info, o.Header);
        return new StatTable(ordered, layout, reader.Limitation, incomplete);
    }

    /// <summary>Says once on stderr what the data source could not show.</summary>
    public void PrintNotes()
    {
        if (Limitation is not null) Console.Error.WriteLine($"sock: note: {Limitation}");
        if (OwnersIncomplete) NoteNotRoot();
    }

    public static void NoteNotRoot()
    {
        if (_notRootNoted) return;
        _notRootNoted = true;
        Console.Error.WriteLine("sock: note: not running as root: sockets of other users' processes are listed without their process");
    }
}

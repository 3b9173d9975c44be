using System.Numerics;
using Sock.Cli.Rendering;
using Sock.Core.Inspection;

namespace Sock.Cli.Commands;

/// <summary>One read of the socket table for sock stat: the rows after filtering, in ss's table order, with owners.</summary>
internal sealed class StatTable
{
    private static bool _deniedNoted;

    private StatTable(IReadOnlyList<SocketTableEntry> rows, StatLayout layout, string? limitation, int deniedProcesses)
    {
        Rows = rows;
        Layout = layout;
        Limitation = limitation;
        DeniedProcesses = deniedProcesses;
    }

    public IReadOnlyList<SocketTableEntry> Rows { get; }
    public StatLayout Layout { get; }
    public string? Limitation { get; }
    /// <summary>Processes whose descriptors could not be read (0 when all could).</summary>
    public int DeniedProcesses { get; }

    public static StatTable Read(StatOptions o, SocketTableReaders? reader = null)
    {
        reader ??= SocketTableReaders.ForThisMachine();
        var rows = reader.Read(new SocketTableQuery(o.Kinds, o.States, o.Info, o.Memory));
        return FromRows(o, rows, reader.Limitation, ownersAttached: false);
    }

    /// <summary>The table of rows read elsewhere (another host's, over SNMP): filtered, ordered and laid out as a local read.</summary>
    public static StatTable FromRows(StatOptions o, IReadOnlyList<SocketTableEntry> rows, string? limitation, bool ownersAttached)
    {
        var states = o.States;
        var filtered = new List<SocketTableEntry>(rows.Count);
        foreach (var r in rows)
            if ((SocketStates.BitOf(r.State) & states) != 0 && o.Filter.Matches(r)) filtered.Add(r);
        // ss's order: Unix, raw, UDP, TCP; the kernel's order within a table.
        IReadOnlyList<SocketTableEntry> ordered = filtered.Count > 0 && filtered.Any(r => r.Netid != filtered[0].Netid)
            ? filtered.OrderBy(r => r.Netid switch { "tcp" => 3, "udp" => 2, "raw" => 1, _ => 0 }).ToList()
            : filtered;
        var denied = 0;
        if (o.Processes && !ownersAttached)
        {
            var owners = SocketOwnerIndex.Scan();
            denied = owners.DeniedProcesses;
            ordered = owners.Attach(ordered);
        }
        var tables = ((o.Kinds & SocketKinds.Tcp) != 0 ? 1 : 0) + ((o.Kinds & SocketKinds.Udp) != 0 ? 1 : 0)
            + ((o.Kinds & SocketKinds.Raw) != 0 ? 1 : 0) + ((o.Kinds & SocketKinds.Unix) != 0 ? 3 : 0);
        var stateCount = BitOperations.PopCount(states & ~(1u << SocketStates.NewSynRecv));
        var layout = new StatLayout(tables > 1, stateCount > 1, o.Numeric, o.Processes, o.Extended, o.Timers, o.Info, o.Memory, o.Header);
        return new StatTable(ordered, layout, limitation, denied);
    }

    /// <summary>Says once on stderr what the data source could not show.</summary>
    public void PrintNotes()
    {
        if (Limitation is not null) Console.Error.WriteLine($"sock: note: {Limitation}");
        if (DeniedProcesses > 0) NoteDenied(DeniedProcesses);
    }

    /// <summary>
    /// The one line saying owners are missing: without root, other users' processes; as root, processes the kernel
    /// still hides (another user namespace, no CAP_SYS_PTRACE).
    /// </summary>
    public static void NoteDenied(int processes)
    {
        if (_deniedNoted) return;
        _deniedNoted = true;
        Console.Error.WriteLine(Environment.IsPrivilegedProcess
            ? processes > 0
                ? $"sock: note: the descriptors of {processes} process{(processes == 1 ? "" : "es")} could not be read (permission denied), so their sockets show no process"
                : "sock: note: some processes' descriptors could not be read (permission denied), so their sockets show no process"
            : "sock: note: not running as root: other users' processes are not visible, so their sockets show no process");
    }
}

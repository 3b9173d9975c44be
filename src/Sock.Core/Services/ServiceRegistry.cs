using System.Globalization;
using System.Text;
using Sock.Core.Errors;

namespace Sock.Core.Services;

/// <summary>
/// Port numbers and service names from the system's services database and IANA's registry, merged per
/// (port, protocol). Each database is read once, on first use, so commands that never name a port pay nothing.
/// </summary>
public sealed class ServiceRegistry
{
    private readonly string? _systemPath;
    private readonly Lazy<Dictionary<(int, string), (string Name, string[] Aliases)>> _system;
    private readonly Lazy<Dictionary<(int, string), (string Name, string Description)>> _iana;

    /// <summary>A registry over the system database at <paramref name="systemPath"/> (none when null or missing) and IANA's.</summary>
    public ServiceRegistry(string? systemPath)
    {
        _systemPath = systemPath;
        _system = new(() => ReadSystem(systemPath));
        _iana = new(() => ParseIana(IanaRegistry.Value.Span, 0, 65535));
    }

    /// <summary>
    /// IANA's registry as the UTF-8 bytes embedded in Sock.Core, read in place where the runtime maps them (Native AOT and
    /// the JIT both hand out a stream over the image): no 450 KB string is made to answer for one port.
    /// </summary>
    private static readonly Lazy<EmbeddedBytes> IanaRegistry = new(() => EmbeddedBytes.Read("Sock.Core.iana-services.tsv"));

    /// <summary>The registry over this operating system's own services file.</summary>
    public static ServiceRegistry Default { get; } = new(DefaultSystemPath());

    /// <summary>The system database's path when the file exists, else null.</summary>
    public string? SystemPath => _systemPath is not null && File.Exists(_systemPath) ? _systemPath : null;

    /// <summary>/etc/services, or %SystemRoot%\System32\drivers\etc\services on Windows.</summary>
    public static string DefaultSystemPath() => OperatingSystem.IsWindows()
        ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.System), "drivers", "etc", "services")
        : "/etc/services";

    /// <summary>
    /// Every entry <paramref name="queries"/> ask for, each port and protocol once, in the order asked: a port that no
    /// source names is still listed (unnamed, with its range); a name that no source knows is a
    /// <see cref="SockErrorKind.NotFound"/> error naming where sock looked.
    /// </summary>
    public IReadOnlyList<ServiceEntry> Find(IEnumerable<ServiceQuery> queries, ServiceSource sources = ServiceSource.Both)
    {
        ArgumentNullException.ThrowIfNull(queries);
        var entries = new List<ServiceEntry>();
        var seen = new HashSet<(int, string)>();
        foreach (var q in queries)
        {
            var found = Lookup(q, sources);
            if (found.Count == 0 && q.Name is not null)
                throw new SockException(SockErrorKind.NotFound, "services", null, $"no service is named '{q.Name}'{(q.Protocol is null ? "" : "/" + q.Protocol)} in {Describe(sources)}");
            foreach (var e in found)
                if (seen.Add((e.Port, e.Protocol))) entries.Add(e);
            if (found.Count == 0 && q.Name is null && q.FirstPort == q.LastPort)
            {
                // An unnamed port is still a port: say its range.
                var proto = q.Protocol ?? "tcp";
                if (seen.Add((q.FirstPort, proto))) entries.Add(new ServiceEntry(q.FirstPort, proto, null, [], null, null));
            }
        }
        return entries;
    }

    private string Describe(ServiceSource sources) => sources switch
    {
        ServiceSource.System => SystemPath ?? "the system's services file (there is none)",
        ServiceSource.Iana => "IANA's registry",
        _ => SystemPath is null ? "IANA's registry (no system services file here)" : $"{SystemPath} or IANA's registry",
    };

    /// <summary>The entries that answer <paramref name="query"/>, by port then protocol.</summary>
    public IReadOnlyList<ServiceEntry> Lookup(ServiceQuery query, ServiceSource sources = ServiceSource.Both)
    {
        var keys = new SortedSet<(int Port, int ProtoOrder, string Proto)>();
        void Collect<T>(Dictionary<(int, string), T> db, Func<T, bool> nameMatches)
        {
            foreach (var ((port, proto), value) in db)
            {
                if (port < query.FirstPort || port > query.LastPort) continue;
                if (query.Protocol is not null && proto != query.Protocol) continue;
                if (query.Name is not null && !nameMatches(value)) continue;
                keys.Add((port, ProtoOrder(proto), proto));
            }
        }
        bool Is(string? a) => a is not null && string.Equals(a, query.Name, StringComparison.OrdinalIgnoreCase);
        if (sources.HasFlag(ServiceSource.System)) Collect(_system.Value, v => Is(v.Name) || v.Aliases.Any(Is));
        // A question about ports reads only their lines of IANA's registry (it is sorted by port): `sock services 80`
        // then makes a handful of strings instead of 24,000, which is most of its start-up.
        var iana = query.Name is null && sources.HasFlag(ServiceSource.Iana)
            ? ParseIana(IanaRegistry.Value.Span, query.FirstPort, query.LastPort)
            : sources.HasFlag(ServiceSource.Iana) ? _iana.Value : [];
        // IANA's reserved ports (0, and others) have no name: they answer a question about that one port, not a range.
        if (sources.HasFlag(ServiceSource.Iana))
            Collect(iana, v => v.Name.Length > 0 ? query.Name is null || Is(v.Name) : query.Name is null && query.FirstPort == query.LastPort);
        return keys.Select(k => Entry(k.Port, k.Proto, sources, iana)).ToList();
    }

    /// <summary>The name to show for a port, as ss and nmap do: the system's first, then IANA's; null when neither knows it.</summary>
    public string? NameOf(int port, string protocol)
    {
        if (_system.Value.TryGetValue((port, protocol), out var s)) return s.Name;
        return _iana.Value.TryGetValue((port, protocol), out var i) && i.Name.Length > 0 ? i.Name : null;
    }

    /// <summary>The port a service name stands for (http → 80), system database first; null when unknown.</summary>
    public int? PortOf(string name, string protocol)
    {
        foreach (var ((port, proto), v) in _system.Value)
            if (proto == protocol && (string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase) || v.Aliases.Contains(name, StringComparer.OrdinalIgnoreCase)))
                return port;
        var best = _iana.Value.Where(kv => kv.Key.Item2 == protocol && string.Equals(kv.Value.Name, name, StringComparison.OrdinalIgnoreCase))
            .Select(kv => (int?)kv.Key.Item1).Min();
        return best;
    }

    private ServiceEntry Entry(int port, string proto, ServiceSource sources, Dictionary<(int, string), (string Name, string Description)> ianaDb)
    {
        string? sysName = null, ianaName = null, description = null;
        IReadOnlyList<string> aliases = [];
        if (sources.HasFlag(ServiceSource.System) && _system.Value.TryGetValue((port, proto), out var sys))
            (sysName, aliases) = (sys.Name, sys.Aliases);
        if (sources.HasFlag(ServiceSource.Iana) && ianaDb.TryGetValue((port, proto), out var iana))
            (ianaName, description) = (iana.Name.Length > 0 ? iana.Name : null, iana.Description.Length > 0 ? iana.Description : null);
        return new ServiceEntry(port, proto, sysName, aliases, ianaName, description);
    }

    private static int ProtoOrder(string proto) => proto switch { "tcp" => 0, "udp" => 1, "sctp" => 2, _ => 3 };

    /// <summary>Parses the services(5) format: "name port/protocol [aliases…] [# comment]".</summary>
    internal static Dictionary<(int, string), (string Name, string[] Aliases)> ParseSystem(TextReader reader)
    {
        var map = new Dictionary<(int, string), (string, string[])>();
        while (reader.ReadLine() is { } line)
        {
            var hash = line.IndexOf('#');
            if (hash >= 0) line = line[..hash];
            var f = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 2) continue;
            var slash = f[1].IndexOf('/');
            if (slash <= 0) continue;
            if (!int.TryParse(f[1].AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535) continue;
            var proto = f[1][(slash + 1)..].ToLowerInvariant();
            map.TryAdd((port, proto), (f[0], f[2..]));
        }
        return map;
    }

    private static Dictionary<(int, string), (string, string[])> ReadSystem(string? path)
    {
        if (path is null || !File.Exists(path)) return [];
        try
        {
            using var reader = new StreamReader(path);
            return ParseSystem(reader);
        }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
    }

    /// <summary>The registry's entries for ports <paramref name="first"/> to <paramref name="last"/> (the file is sorted by port).</summary>
    private static Dictionary<(int, string), (string Name, string Description)> ParseIana(ReadOnlySpan<byte> text, int first, int last)
    {
        var map = new Dictionary<(int, string), (string, string)>(first == 0 && last == 65535 ? 12_000 : 8);
        // Start-up matters: find the first port by bisecting the sorted lines, then walk only the lines asked for,
        // making strings of their fields alone.
        var rest = text[FirstLineAtOrAfter(text, first)..];
        while (rest.Length > 0)
        {
            var eol = rest.IndexOf((byte)'\n');
            var line = eol < 0 ? rest : rest[..eol];
            rest = eol < 0 ? [] : rest[(eol + 1)..];
            var port = PortOf(line);
            if (port < 0) continue;
            if (port < first) continue;
            if (port > last) break;
            var afterPort = line[(line.IndexOf((byte)'\t') + 1)..];
            var t2 = afterPort.IndexOf((byte)'\t');
            if (t2 <= 0) continue;
            var afterProto = afterPort[(t2 + 1)..];
            var t3 = afterProto.IndexOf((byte)'\t');
            var protoBytes = afterPort[..t2];
            var proto = protoBytes.SequenceEqual("tcp"u8) ? "tcp" : protoBytes.SequenceEqual("udp"u8) ? "udp"
                : protoBytes.SequenceEqual("sctp"u8) ? "sctp" : Encoding.UTF8.GetString(protoBytes);
            var name = Encoding.UTF8.GetString(t3 < 0 ? afterProto : afterProto[..t3]);
            var description = t3 < 0 ? "" : Encoding.UTF8.GetString(afterProto[(t3 + 1)..]);
            map.TryAdd((port, proto), (name, description));
        }
        return map;
    }

    /// <summary>
    /// Where a line with a port of at least <paramref name="port"/> may first start: a line start at or before the first
    /// such line (the registry is sorted by port; its comments come first).
    /// </summary>
    private static int FirstLineAtOrAfter(ReadOnlySpan<byte> text, int port)
    {
        int lo = 0, hi = text.Length;
        // lo is always a line start that no wanted line precedes; a short stretch is left to the walk.
        while (hi - lo > 512)
        {
            var mid = lo + (hi - lo) / 2;
            var newline = text[mid..hi].IndexOf((byte)'\n');
            var next = newline < 0 ? hi : mid + newline + 1;
            if (next >= hi) { hi = mid; continue; }
            var line = text[next..hi];
            var end = line.IndexOf((byte)'\n');
            // A line that is not an entry moves nothing forward: lo never passes a wanted line.
            if (PortOf(end < 0 ? line : line[..end]) is var found && found >= 0 && found < port) lo = next;
            else hi = mid;
        }
        return lo;
    }

    /// <summary>The port a registry line starts with ("80\ttcp\thttp…"), or -1 for a comment, a blank or a malformed line.</summary>
    private static int PortOf(ReadOnlySpan<byte> line)
    {
        var tab = line.IndexOf((byte)'\t');
        if (tab <= 0) return -1;
        return int.TryParse(line[..tab], NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : -1;
    }

    /// <summary>An embedded resource's bytes: in place when the runtime maps them, else a copy.</summary>
    private sealed unsafe class EmbeddedBytes
    {
        private readonly byte* _pointer;
        private readonly byte[]? _copy;
        private readonly int _length;

        private EmbeddedBytes(byte* pointer, byte[]? copy, int length)
        {
            _pointer = pointer;
            _copy = copy;
            _length = length;
        }

        public ReadOnlySpan<byte> Span => _copy ?? new ReadOnlySpan<byte>(_pointer, _length);

        public static EmbeddedBytes Read(string name)
        {
            using var stream = typeof(ServiceRegistry).Assembly.GetManifestResourceStream(name)
                ?? throw new InvalidOperationException($"{name} is missing from Sock.Core");
            // The image's memory lives as long as the process: the pointer stays good after the stream is closed.
            if (stream is UnmanagedMemoryStream mapped)
                return new EmbeddedBytes(mapped.PositionPointer, null, checked((int)mapped.Length));
            var copy = new byte[stream.Length];
            stream.ReadExactly(copy);
            return new EmbeddedBytes(null, copy, copy.Length);
        }
    }
}

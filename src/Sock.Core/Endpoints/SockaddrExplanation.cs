namespace Sock.Core.Endpoints;

/// <summary>
/// What a socket address looks like at each layer: the text people type, the C struct the kernel takes, the bytes
/// on the wire, and the spelling /proc/net uses. Fields that do not apply to the family are null.
/// </summary>
public sealed record SockaddrExplanation
{
    /// <summary>What was asked.</summary>
    public required string Input { get; init; }

    /// <summary>"encode" when text was turned into a sockaddr; "decode" when a /proc/net spelling was read back.</summary>
    public required string Direction { get; init; }

    /// <summary>AF_INET, AF_INET6 or AF_UNIX.</summary>
    public required string Family { get; init; }

    /// <summary>The family's number on Linux (2, 10, 1).</summary>
    public required int FamilyValue { get; init; }

    /// <summary>sockaddr_in, sockaddr_in6 or sockaddr_un.</summary>
    public required string Struct { get; init; }

    /// <summary>sizeof the struct on Linux.</summary>
    public required int StructSize { get; init; }

    /// <summary>The struct's bytes as the kernel holds them, in hex.</summary>
    public required string StructBytes { get; init; }

    /// <summary>The address as text, e.g. 127.0.0.1 or ::1.</summary>
    public string? Address { get; init; }

    /// <summary>The endpoint as text, e.g. 127.0.0.1:8080 or [::1]:443.</summary>
    public string? Endpoint { get; init; }

    /// <summary>The port number.</summary>
    public int? Port { get; init; }

    /// <summary>The port's IANA range.</summary>
    public string? PortClass { get; init; }

    /// <summary>The port as a 16-bit value in host order, hex.</summary>
    public string? PortHex { get; init; }

    /// <summary>The port's two bytes in network (big-endian) order, as sin_port holds them and the wire carries them.</summary>
    public string? PortNetworkBytes { get; init; }

    /// <summary>htons(port) read back as a host-order integer: what a debugger shows in sin_port on this host.</summary>
    public string? Htons { get; init; }

    /// <summary>The IPv4 address as a 32-bit value in host order (what inet_pton's bytes mean as a number).</summary>
    public string? AddressValue { get; init; }

    /// <summary>htonl(address) read back as a host-order integer: what a debugger shows in sin_addr.s_addr.</summary>
    public string? Htonl { get; init; }

    /// <summary>The address bytes as they travel (network order).</summary>
    public string? WireBytes { get; init; }

    /// <summary>The spelling in /proc/net/tcp or tcp6: address words in host order, port in hex.</summary>
    public string? ProcNet { get; init; }

    /// <summary>The Unix socket path, or @name for an abstract one.</summary>
    public string? Path { get; init; }

    /// <summary>The path's length in bytes.</summary>
    public int? PathBytes { get; init; }

    /// <summary>The most bytes sun_path holds for this kind of name (107 plus the NUL for a path, 108 for an abstract name).</summary>
    public int? PathLimit { get; init; }

    /// <summary>Whether this host is little-endian; it decides the host-order columns.</summary>
    public required bool LittleEndianHost { get; init; }

    /// <summary>Remarks that help read the rest.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

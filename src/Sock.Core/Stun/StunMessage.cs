using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Sock.Core.Stun;

/// <summary>
/// One STUN message (RFC 8489): the 20-byte header (type, length, magic cookie, 96-bit transaction id) and the
/// attributes sock knows — XOR-MAPPED-ADDRESS, MAPPED-ADDRESS, ERROR-CODE, UNKNOWN-ATTRIBUTES, SOFTWARE, FINGERPRINT,
/// and RFC 5780's CHANGE-REQUEST, RESPONSE-ORIGIN, OTHER-ADDRESS and RESPONSE-PORT. Decoding never throws: input that is
/// not a well-formed STUN message is refused with a reason.
/// </summary>
public sealed class StunMessage
{
    /// <summary>The fixed header's size in bytes.</summary>
    public const int HeaderLength = 20;

    /// <summary>The magic cookie every RFC 5389/8489 message carries at offset 4.</summary>
    public const uint MagicCookie = 0x2112A442;

    /// <summary>XORed into FINGERPRINT's CRC-32 so it differs from other protocols' CRCs ("STUN").</summary>
    private const uint FingerprintXor = 0x5354554E;

    /// <summary>The largest message sock accepts: a UDP datagram without fragmentation worries, and TCP framing's bound.</summary>
    public const int MaxLength = 65535 + HeaderLength;

    /// <summary>A message of <paramref name="method"/> and <paramref name="class"/> with <paramref name="transactionId"/>.</summary>
    public StunMessage(ushort method, StunClass @class, ReadOnlyMemory<byte> transactionId)
    {
        if (transactionId.Length != 12) throw new ArgumentException("a STUN transaction id is 12 bytes", nameof(transactionId));
        Method = method;
        Class = @class;
        TransactionId = transactionId.ToArray();
    }

    /// <summary>
    /// True for an RFC 3489 ("classic STUN") message, which has no magic cookie: its transaction id is 128 bits, the
    /// four bytes where the cookie would be included. Only a server decodes these (to answer old clients such as stund's).
    /// </summary>
    public bool IsClassic => _cookie != MagicCookie;

    private uint _cookie = MagicCookie;

    /// <summary>The method (Binding is 0x001).</summary>
    public ushort Method { get; }

    /// <summary>Request, indication, success or error response.</summary>
    public StunClass Class { get; }

    /// <summary>The 96-bit transaction id that pairs a response with its request.</summary>
    public byte[] TransactionId { get; }

    /// <summary>XOR-MAPPED-ADDRESS: where the server saw the request come from.</summary>
    public IPEndPoint? XorMappedAddress { get; set; }

    /// <summary>MAPPED-ADDRESS: the same, in the clear (old servers send only this).</summary>
    public IPEndPoint? MappedAddress { get; set; }

    /// <summary>RESPONSE-ORIGIN: the address and port the response was sent from.</summary>
    public IPEndPoint? ResponseOrigin { get; set; }

    /// <summary>OTHER-ADDRESS: the server's alternate address and port (RFC 5780).</summary>
    public IPEndPoint? OtherAddress { get; set; }

    /// <summary>CHANGE-REQUEST's "change IP" flag.</summary>
    public bool ChangeIp { get; set; }

    /// <summary>CHANGE-REQUEST's "change port" flag.</summary>
    public bool ChangePort { get; set; }

    /// <summary>True when the message carried a CHANGE-REQUEST attribute (even with no flag set).</summary>
    public bool HasChangeRequest { get; set; }

    /// <summary>RESPONSE-PORT, when present.</summary>
    public ushort? ResponsePort { get; set; }

    /// <summary>ERROR-CODE's number (300–699), when present.</summary>
    public int? ErrorCode { get; set; }

    /// <summary>ERROR-CODE's reason phrase.</summary>
    public string? ErrorReason { get; set; }

    /// <summary>SOFTWARE: the agent's description.</summary>
    public string? Software { get; set; }

    /// <summary>UNKNOWN-ATTRIBUTES: the types the server did not understand.</summary>
    public IReadOnlyList<ushort> UnknownAttributes { get; set; } = [];

    /// <summary>Comprehension-required attribute types this message carried that sock does not know (a server answers 420).</summary>
    public IReadOnlyList<ushort> UnknownRequired { get; private set; } = [];

    /// <summary>True when the decoded message ended with a FINGERPRINT (which was checked).</summary>
    public bool HasFingerprint { get; private set; }

    /// <summary>The reflexive address: XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS from a server that sends only that.</summary>
    public IPEndPoint? Mapped => XorMappedAddress ?? MappedAddress;

    /// <summary>A response to <paramref name="request"/>: the same method and transaction id (all 128 bits of a classic one).</summary>
    public static StunMessage ResponseTo(StunMessage request, StunClass @class) =>
        new(request.Method, @class, request.TransactionId) { _cookie = request._cookie };

    /// <summary>A fresh, cryptographically random transaction id (RFC 8489 §6: uniformly random).</summary>
    public static byte[] NewTransactionId() => RandomNumberGenerator.GetBytes(12);

    /// <summary>A Binding request with a new transaction id.</summary>
    public static StunMessage BindingRequest() => new(StunMessageType.BindingMethod, StunClass.Request, NewTransactionId());

    /// <summary>
    /// The message's size on the wire from its first <see cref="HeaderLength"/> bytes, for framing over TCP; null when
    /// those bytes are not a STUN header (first two bits set, no magic cookie, length not a multiple of 4).
    /// </summary>
    public static int? FramedLength(ReadOnlySpan<byte> header)
    {
        if (header.Length < HeaderLength || (header[0] & 0xC0) != 0) return null;
        if (BinaryPrimitives.ReadUInt32BigEndian(header[4..]) != MagicCookie) return null;
        var length = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
        if (length % 4 != 0) return null;
        return HeaderLength + length;
    }

    /// <summary>True when <paramref name="data"/> starts like a STUN message: how a socket shared with other traffic tells them apart.</summary>
    public static bool LooksLikeStun(ReadOnlySpan<byte> data) => FramedLength(data) is { } n && n <= data.Length;

    /// <summary>Encodes the message; with <paramref name="fingerprint"/> a FINGERPRINT attribute ends it.</summary>
    public byte[] Encode(bool fingerprint = true)
    {
        var body = new List<byte>(64);
        if (XorMappedAddress is { } x) AddAddress(body, StunAttributeType.XorMappedAddress, x, xor: true);
        if (MappedAddress is { } m) AddAddress(body, StunAttributeType.MappedAddress, m, xor: false);
        if (ResponseOrigin is { } ro) AddAddress(body, StunAttributeType.ResponseOrigin, ro, xor: false);
        if (OtherAddress is { } oa) AddAddress(body, StunAttributeType.OtherAddress, oa, xor: false);
        if (HasChangeRequest || ChangeIp || ChangePort)
            AddAttribute(body, StunAttributeType.ChangeRequest, [0, 0, 0, (byte)((ChangeIp ? 4 : 0) | (ChangePort ? 2 : 0))]);
        if (ResponsePort is { } rp) AddAttribute(body, StunAttributeType.ResponsePort, [(byte)(rp >> 8), (byte)rp, 0, 0]);
        if (ErrorCode is { } code)
        {
            var reason = Encoding.UTF8.GetBytes(ErrorReason ?? "");
            var value = new byte[4 + reason.Length];
            value[2] = (byte)(code / 100);
            value[3] = (byte)(code % 100);
            reason.CopyTo(value, 4);
            AddAttribute(body, StunAttributeType.ErrorCode, value);
        }
        if (UnknownAttributes.Count > 0)
        {
            var value = new byte[UnknownAttributes.Count * 2];
            for (var i = 0; i < UnknownAttributes.Count; i++) BinaryPrimitives.WriteUInt16BigEndian(value.AsSpan(i * 2), UnknownAttributes[i]);
            AddAttribute(body, StunAttributeType.UnknownAttributes, value);
        }
        if (Software is { } sw) AddAttribute(body, StunAttributeType.Software, Encoding.UTF8.GetBytes(sw));
        var total = HeaderLength + body.Count + (fingerprint ? 8 : 0);
        var bytes = new byte[total];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, StunMessageType.Compose(Method, Class));
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)(total - HeaderLength));
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), _cookie);
        TransactionId.CopyTo(bytes, 8);
        body.CopyTo(bytes, HeaderLength);
        if (fingerprint)
        {
            // The CRC covers everything before the attribute, with the header's length already counting it (§14.7).
            var at = total - 8;
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(at), StunAttributeType.Fingerprint);
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(at + 2), 4);
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(at + 4), StunCrc32.Compute(bytes.AsSpan(0, at)) ^ FingerprintXor);
        }
        return bytes;
    }

    /// <summary>
    /// Decodes one message from <paramref name="data"/> (exactly one: trailing bytes are refused). Never throws: a
    /// malformed message gives false and <paramref name="error"/> says what was wrong.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out StunMessage? message, out string? error) =>
        TryDecode(data, allowClassic: false, out message, out error);

    /// <summary>
    /// Decodes as <see cref="TryDecode(ReadOnlySpan{byte}, out StunMessage?, out string?)"/>; with
    /// <paramref name="allowClassic"/> an RFC 3489 message without the magic cookie is accepted too.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, bool allowClassic, out StunMessage? message, out string? error)
    {
        message = null;
        if (data.Length < HeaderLength) { error = $"{data.Length} bytes is shorter than a STUN header (20)"; return false; }
        if ((data[0] & 0xC0) != 0) { error = "the first two bits are not zero (not STUN)"; return false; }
        var cookie = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        if (cookie != MagicCookie && !allowClassic) { error = "no magic cookie (not STUN, or RFC 3489's classic STUN)"; return false; }
        var length = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        if (length % 4 != 0) { error = $"message length {length} is not a multiple of 4"; return false; }
        if (HeaderLength + length != data.Length) { error = $"message length {length} does not match the {data.Length - HeaderLength} bytes after the header"; return false; }
        var type = BinaryPrimitives.ReadUInt16BigEndian(data);
        var m = new StunMessage(StunMessageType.MethodOf(type), StunMessageType.ClassOf(type), data.Slice(8, 12).ToArray()) { _cookie = cookie };
        var seen = new HashSet<ushort>();
        var unknown = new List<ushort>();
        var offset = HeaderLength;
        while (offset < data.Length)
        {
            if (data.Length - offset < 4) { error = "an attribute header is cut short"; return false; }
            var at = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
            var len = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]);
            var padded = (len + 3) & ~3;
            if (data.Length - offset - 4 < padded) { error = $"attribute 0x{at:x4} ({len} bytes) runs past the end"; return false; }
            var value = data.Slice(offset + 4, len);
            if (at == StunAttributeType.Fingerprint)
            {
                if (len != 4) { error = "FINGERPRINT is not 4 bytes"; return false; }
                var expected = StunCrc32.Compute(data[..offset]) ^ FingerprintXor;
                if (BinaryPrimitives.ReadUInt32BigEndian(value) != expected) { error = "FINGERPRINT does not match the message"; return false; }
                m.HasFingerprint = true;
                // FINGERPRINT is last; anything after it is ignored (§14.7).
                break;
            }
            // Only the first of several attributes of one type counts (§14).
            if (seen.Add(at) && !DecodeAttribute(m, at, value, unknown, out error)) return false;
            offset += 4 + padded;
        }
        m.UnknownRequired = unknown;
        message = m;
        error = null;
        return true;
    }

    private static bool DecodeAttribute(StunMessage m, ushort type, ReadOnlySpan<byte> value, List<ushort> unknown, out string? error)
    {
        error = null;
        switch (type)
        {
            case StunAttributeType.XorMappedAddress:
                m.XorMappedAddress = DecodeAddress(value, m.TransactionId, xor: true, out error);
                return m.XorMappedAddress is not null;
            case StunAttributeType.MappedAddress:
                m.MappedAddress = DecodeAddress(value, m.TransactionId, xor: false, out error);
                return m.MappedAddress is not null;
            case StunAttributeType.ResponseOrigin:
                m.ResponseOrigin = DecodeAddress(value, m.TransactionId, xor: false, out error);
                return m.ResponseOrigin is not null;
            case StunAttributeType.OtherAddress:
                m.OtherAddress = DecodeAddress(value, m.TransactionId, xor: false, out error);
                return m.OtherAddress is not null;
            case StunAttributeType.ChangeRequest:
                if (value.Length != 4) { error = "CHANGE-REQUEST is not 4 bytes"; return false; }
                m.HasChangeRequest = true;
                m.ChangeIp = (value[3] & 4) != 0;
                m.ChangePort = (value[3] & 2) != 0;
                return true;
            case StunAttributeType.ResponsePort:
                if (value.Length != 4) { error = "RESPONSE-PORT is not 4 bytes"; return false; }
                m.ResponsePort = BinaryPrimitives.ReadUInt16BigEndian(value);
                return true;
            case StunAttributeType.ErrorCode:
                if (value.Length < 4) { error = "ERROR-CODE is shorter than 4 bytes"; return false; }
                var cls = value[2] & 0x07;
                var number = value[3];
                if (cls is < 3 or > 6 || number > 99) { error = $"ERROR-CODE {cls}{number:00} is outside 300-699"; return false; }
                m.ErrorCode = cls * 100 + number;
                m.ErrorReason = DecodeText(value[4..]);
                return true;
            case StunAttributeType.UnknownAttributes:
                if (value.Length % 2 != 0) { error = "UNKNOWN-ATTRIBUTES has an odd length"; return false; }
                var list = new ushort[value.Length / 2];
                for (var i = 0; i < list.Length; i++) list[i] = BinaryPrimitives.ReadUInt16BigEndian(value[(i * 2)..]);
                m.UnknownAttributes = list;
                return true;
            case StunAttributeType.Software:
                m.Software = DecodeText(value);
                return true;
            case StunAttributeType.Padding:
                return true;
            default:
                if (StunAttributeType.IsComprehensionRequired(type)) unknown.Add(type);
                return true;
        }
    }

    /// <summary>Text attributes are UTF-8; bytes that are not are shown as U+FFFD rather than refused.</summary>
    private static string DecodeText(ReadOnlySpan<byte> value) => Encoding.UTF8.GetString(value);

    private static IPEndPoint? DecodeAddress(ReadOnlySpan<byte> value, byte[] transactionId, bool xor, out string? error)
    {
        error = null;
        if (value.Length < 4) { error = "an address attribute is shorter than 4 bytes"; return null; }
        var family = value[1];
        var port = BinaryPrimitives.ReadUInt16BigEndian(value[2..]);
        if (xor) port ^= (ushort)(MagicCookie >> 16);
        var size = family switch { 1 => 4, 2 => 16, _ => 0 };
        if (size == 0) { error = $"address family {family} is neither IPv4 (1) nor IPv6 (2)"; return null; }
        if (value.Length != 4 + size) { error = $"an {(size == 4 ? "IPv4" : "IPv6")} address attribute is {value.Length} bytes, not {4 + size}"; return null; }
        Span<byte> address = stackalloc byte[size];
        value.Slice(4, size).CopyTo(address);
        if (xor) XorAddress(address, transactionId);
        return new IPEndPoint(new IPAddress(address), port);
    }

    private static void XorAddress(Span<byte> address, byte[] transactionId)
    {
        // IPv4 is XORed with the cookie; IPv6 with the cookie followed by the transaction id (§14.2).
        Span<byte> key = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(key, MagicCookie);
        transactionId.CopyTo(key[4..]);
        for (var i = 0; i < address.Length; i++) address[i] ^= key[i];
    }

    private void AddAddress(List<byte> body, ushort type, IPEndPoint endpoint, bool xor)
    {
        var ip = endpoint.Address.IsIPv4MappedToIPv6 ? endpoint.Address.MapToIPv4() : endpoint.Address;
        var address = ip.GetAddressBytes();
        var port = (ushort)endpoint.Port;
        if (xor)
        {
            port ^= (ushort)(MagicCookie >> 16);
            XorAddress(address, TransactionId);
        }
        var value = new byte[4 + address.Length];
        value[1] = ip.AddressFamily == AddressFamily.InterNetwork ? (byte)1 : (byte)2;
        BinaryPrimitives.WriteUInt16BigEndian(value.AsSpan(2), port);
        address.CopyTo(value, 4);
        AddAttribute(body, type, value);
    }

    private static void AddAttribute(List<byte> body, ushort type, ReadOnlySpan<byte> value)
    {
        Span<byte> head = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16BigEndian(head, type);
        BinaryPrimitives.WriteUInt16BigEndian(head[2..], (ushort)value.Length);
        foreach (var b in head) body.Add(b);
        foreach (var b in value) body.Add(b);
        for (var pad = value.Length; pad % 4 != 0; pad++) body.Add(0);
    }
}

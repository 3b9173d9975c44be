namespace Sock.Core.Stun;

/// <summary>A STUN message's class (RFC 8489 §5): request, indication, success or error response.</summary>
public enum StunClass
{
    /// <summary>A request: expects a response with the same transaction id.</summary>
    Request = 0,
    /// <summary>An indication: no response.</summary>
    Indication = 1,
    /// <summary>A success response.</summary>
    SuccessResponse = 2,
    /// <summary>An error response (with ERROR-CODE).</summary>
    ErrorResponse = 3,
}

/// <summary>The 14-bit message type: a 12-bit method with the two class bits interleaved (C1 at bit 8, C0 at bit 4).</summary>
public static class StunMessageType
{
    /// <summary>The Binding method, the only one STUN itself defines.</summary>
    public const ushort BindingMethod = 0x001;

    /// <summary>The type field for <paramref name="method"/> and <paramref name="class"/>.</summary>
    public static ushort Compose(ushort method, StunClass @class)
    {
        var c = (int)@class;
        return (ushort)((method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2)
                        | ((c & 1) << 4) | ((c & 2) << 7));
    }

    /// <summary>The method of a type field.</summary>
    public static ushort MethodOf(ushort type) => (ushort)((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));

    /// <summary>The class of a type field.</summary>
    public static StunClass ClassOf(ushort type) => (StunClass)(((type >> 4) & 1) | ((type >> 7) & 2));
}

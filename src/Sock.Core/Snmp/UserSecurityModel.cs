using System.Security.Cryptography;

namespace Sock.Core.Snmp;

/// <summary>
/// The user-based security model's message work (RFC 3414 §3, §6, §7; RFC 3826; RFC 7860), the same for an agent and
/// a manager: encrypt the scoped PDU and sign the whole message on the way out; check the MAC (with the parameters
/// zeroed, compared in constant time) and decrypt on the way in. Who the user is and which engine's keys apply is the
/// caller's: <see cref="SnmpLocalEngine"/> for an agent, <see cref="SnmpClient"/> for a manager.
/// </summary>
internal static class UserSecurityModel
{
    /// <summary>RFC 3414 §2.2.3: a message whose engine time is more than this from the engine's own is refused.</summary>
    public const int TimeWindowSeconds = 150;

    /// <summary>
    /// The message's bytes: with <see cref="SnmpV3Header.Private"/> the scoped PDU is encrypted with a new salt, with
    /// <see cref="SnmpV3Header.Authenticated"/> the message is signed. <paramref name="keys"/> may be null for noAuthNoPriv.
    /// </summary>
    public static byte[] Encode(SnmpV3Header header, SnmpPdu pdu, UsmLocalKeys? keys)
    {
        var auth = header.Authenticated;
        var priv = header.Private;
        if (priv && !auth) throw new ArgumentException("privacy without authentication is not a security level", nameof(header));
        if (auth && (keys is null || keys.Auth == UsmAuthProtocol.None)) throw new ArgumentException("authentication needs an authentication key", nameof(keys));
        if (priv && keys!.Priv == UsmPrivProtocol.None) throw new ArgumentException("privacy needs a privacy key", nameof(keys));
        var h = header with
        {
            AuthParameters = auth ? new byte[keys!.MacLength] : ReadOnlyMemory<byte>.Empty,
            PrivParameters = ReadOnlyMemory<byte>.Empty,
            EncryptedPdu = null,
        };
        if (priv)
        {
            var salt = UsmPrivacy.NextSalt();
            var cipher = UsmPrivacy.Encrypt(keys!.PrivKey, h.EngineBoots, h.EngineTime, salt, SnmpCodec.EncodeScopedPdu(h, pdu));
            h = h with { PrivParameters = salt, EncryptedPdu = cipher };
        }
        var bytes = SnmpCodec.Encode(new SnmpMessage { Version = SnmpVersion.V3, V3 = h, Pdu = pdu });
        if (auth)
        {
            // RFC 3414 §6.3.1: the MAC is taken over the whole message with msgAuthenticationParameters all zeros, then put there.
            var (offset, length) = SnmpCodec.AuthParametersRange(bytes);
            UsmKeys.Hmac(keys!.Auth, keys.AuthKey, bytes).AsSpan(0, length).CopyTo(bytes.AsSpan(offset));
        }
        return bytes;
    }

    /// <summary>True when <paramref name="wire"/> carries the MAC <paramref name="keys"/> make (RFC 3414 §6.3.2), compared in constant time.</summary>
    public static bool Authenticate(ReadOnlySpan<byte> wire, UsmLocalKeys keys)
    {
        if (keys.Auth == UsmAuthProtocol.None) return false;
        var copy = wire.ToArray();
        if (!SnmpCodec.TryAuthParametersRange(copy, out var offset, out var length) || length != keys.MacLength) return false;
        var received = copy.AsSpan(offset, length).ToArray();
        copy.AsSpan(offset, length).Clear();
        var mac = UsmKeys.Hmac(keys.Auth, keys.AuthKey, copy);
        return CryptographicOperations.FixedTimeEquals(received, mac.AsSpan(0, length));
    }

    /// <summary>
    /// The message with its scoped PDU decrypted. False when the salt is not 8 bytes or the plaintext is not a scoped
    /// PDU: with CFB a wrong key decrypts to noise, and that is how a wrong privacy password shows.
    /// </summary>
    public static bool TryDecrypt(SnmpMessage message, UsmLocalKeys keys, out SnmpMessage decrypted, out string? why)
    {
        decrypted = message;
        var h = message.V3!;
        if (h.EncryptedPdu is not { } cipher) { why = null; return true; }
        if (keys.Priv != UsmPrivProtocol.Aes128 || keys.PrivKey.Length != 16) { why = "no privacy key"; return false; }
        if (h.PrivParameters.Length != UsmPrivacy.SaltLength) { why = "msgPrivacyParameters is not an 8-byte salt"; return false; }
        var plain = UsmPrivacy.Decrypt(keys.PrivKey, h.EngineBoots, h.EngineTime, h.PrivParameters.Span, cipher.Span);
        if (!SnmpCodec.TryDecodeScopedPdu(plain, h, out var scoped, out var pdu, out why)) return false;
        decrypted = message with { V3 = scoped, Pdu = pdu! };
        return true;
    }

    /// <summary>The security level a message's flags give.</summary>
    public static SnmpSecurityLevel LevelOf(SnmpV3Header h) => (SnmpSecurityLevel)(h.Flags & 3);
}

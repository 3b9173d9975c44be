using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Sock.Core.Snmp;

/// <summary>
/// RFC 3826's privacy: AES-128 in CFB mode with a 128-bit feedback, no padding (the ciphertext is as long as the
/// scoped PDU), IV = msgAuthoritativeEngineBoots ‖ msgAuthoritativeEngineTime ‖ the 8-byte salt sent as
/// msgPrivacyParameters. The salt is a counter started at a random value, so no IV repeats under one key.
/// </summary>
internal static class UsmPrivacy
{
    public const int SaltLength = 8;
    private static long _salt = Random.Shared.NextInt64();

    /// <summary>A salt not used before by this process.</summary>
    public static byte[] NextSalt()
    {
        var salt = new byte[SaltLength];
        BinaryPrimitives.WriteInt64BigEndian(salt, Interlocked.Increment(ref _salt));
        return salt;
    }

    public static byte[] Encrypt(byte[] key, int boots, int time, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> plain) =>
        Transform(true, key, boots, time, salt, plain);

    public static byte[] Decrypt(byte[] key, int boots, int time, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> cipher) =>
        Transform(false, key, boots, time, salt, cipher);

    private static byte[] Transform(bool encrypt, byte[] key, int boots, int time, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> input)
    {
        if (key.Length != 16) throw new ArgumentException("an AES-128 key is 16 bytes", nameof(key));
        if (salt.Length != SaltLength) throw new ArgumentException("the salt is 8 bytes", nameof(salt));
        Span<byte> iv = stackalloc byte[16];
        BinaryPrimitives.WriteInt32BigEndian(iv, boots);
        BinaryPrimitives.WriteInt32BigEndian(iv[4..], time);
        salt.CopyTo(iv[8..]);
        // .NET's CFB takes whole blocks only. CFB is a stream mode: each output byte depends on the bytes before it
        // alone, so the input is padded to a whole block and the output cut back to the input's length.
        var padded = new byte[(input.Length + 15) / 16 * 16];
        input.CopyTo(padded);
        using var aes = Aes.Create();
        aes.Key = key;
        var output = encrypt
            ? aes.EncryptCfb(padded, iv, PaddingMode.None, feedbackSizeInBits: 128)
            : aes.DecryptCfb(padded, iv, PaddingMode.None, feedbackSizeInBits: 128);
        return output.AsSpan(0, input.Length).ToArray();
    }
}

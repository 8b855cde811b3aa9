using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace SmartApi.Webhooks;

/// <summary>
/// Computes HMAC-SHA256 over <c>[&lt;id&gt;.]&lt;t&gt;.&lt;body&gt;</c> without allocating.
/// </summary>
/// <remarks>
/// The one-shot <see cref="HMACSHA256.HashData(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/> needs the
/// content in one span, so the prefix and body are copied into a stack buffer (small bodies) or a pooled
/// array (large ones). Measured on .NET 10: <see cref="IncrementalHash.CreateHMAC(HashAlgorithmName, byte[])"/>
/// would avoid the copy but allocates about 240 bytes per call, while the copy of a 16 KiB body costs far
/// less than hashing it.
/// </remarks>
internal static class SignedContent
{
    public const int MacLength = HMACSHA256.HashSizeInBytes;

    private const int StackLimit = 1024;

    /// <summary>Writes the MAC of each key over the content into consecutive 32-byte slots of <paramref name="macs"/>.</summary>
    public static void ComputeMacs(
        ReadOnlySpan<byte[]> keys, ReadOnlySpan<char> id, ReadOnlySpan<char> timestamp, ReadOnlySpan<byte> body, Span<byte> macs) =>
        Run(keys, id, timestamp, body, expected: default, macs);

    /// <summary>
    /// Returns the index of the first key whose MAC equals one of the 32-byte <paramref name="expected"/>
    /// signatures (compared in constant time), or -1.
    /// </summary>
    public static int FindMatchingKey(
        ReadOnlySpan<byte[]> keys, ReadOnlySpan<char> id, ReadOnlySpan<char> timestamp, ReadOnlySpan<byte> body, ReadOnlySpan<byte> expected) =>
        Run(keys, id, timestamp, body, expected, macs: default);

    private static int Run(
        ReadOnlySpan<byte[]> keys, ReadOnlySpan<char> id, ReadOnlySpan<char> timestamp, ReadOnlySpan<byte> body,
        ReadOnlySpan<byte> expected, Span<byte> macs)
    {
        var idLength = id.IsEmpty ? 0 : Encoding.UTF8.GetByteCount(id) + 1;
        var length = idLength + timestamp.Length + 1 + body.Length;
        byte[]? rented = null;
        var buffer = length <= StackLimit
            ? stackalloc byte[StackLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(length));
        var content = buffer[..length];
        try
        {
            var position = 0;
            if (idLength > 0)
            {
                position = Encoding.UTF8.GetBytes(id, content);
                content[position++] = (byte)'.';
            }
            // The timestamp was checked to be ASCII digits, so each char is one byte.
            for (var i = 0; i < timestamp.Length; i++)
            {
                content[position++] = (byte)timestamp[i];
            }
            content[position++] = (byte)'.';
            body.CopyTo(content[position..]);

            Span<byte> mac = stackalloc byte[MacLength];
            for (var k = 0; k < keys.Length; k++)
            {
                HMACSHA256.HashData(keys[k], content, mac);
                if (!macs.IsEmpty)
                {
                    mac.CopyTo(macs.Slice(k * MacLength, MacLength));
                    continue;
                }
                for (var e = 0; e + MacLength <= expected.Length; e += MacLength)
                {
                    if (CryptographicOperations.FixedTimeEquals(mac, expected.Slice(e, MacLength)))
                    {
                        return k;
                    }
                }
            }
            return -1;
        }
        finally
        {
            if (rented is not null)
            {
                // Bodies can be personal data; do not leave them lying in a shared pool.
                content.Clear();
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    public static bool IsTimestamp(ReadOnlySpan<char> text, out long seconds)
    {
        seconds = 0;
        // 18 digits cannot overflow a long; real timestamps have 10.
        if (text.IsEmpty || text.Length > 18)
        {
            return false;
        }
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
            seconds = seconds * 10 + (c - '0');
        }
        return true;
    }
}

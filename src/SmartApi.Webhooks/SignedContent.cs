using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace SmartApi.Webhooks;

/// <summary>
/// Computes HMAC-SHA256 over <c>[&lt;id&gt;.]&lt;t&gt;.&lt;body&gt;</c> without allocating.
/// </summary>
/// <remarks>
/// Each key keeps a small pool of keyed <see cref="IncrementalHash"/> instances (<see cref="KeyedHmac"/>):
/// the parts are fed in turn, so the body is never copied, and the key schedule is not rebuilt per
/// call as the one-shot <see cref="HMACSHA256.HashData(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/>
/// does (measured: most of a one-shot call on small bodies, and the copy dominated large ones).
/// Creating an instance allocates; renting a pooled one does not.
/// </remarks>
internal static class SignedContent
{
    public const int MacLength = HMACSHA256.HashSizeInBytes;

    private const int StackLimit = 256;

    /// <summary>Writes the MAC of each key over the content into consecutive 32-byte slots of <paramref name="macs"/>.</summary>
    public static void ComputeMacs(
        ReadOnlySpan<KeyedHmac> keys, ReadOnlySpan<char> id, ReadOnlySpan<char> timestamp, ReadOnlySpan<byte> body, Span<byte> macs) =>
        Run(keys, id, timestamp, body, expected: default, macs);

    /// <summary>
    /// Returns the index of the first key whose MAC equals one of the 32-byte <paramref name="expected"/>
    /// signatures (compared in constant time), or -1.
    /// </summary>
    public static int FindMatchingKey(
        ReadOnlySpan<KeyedHmac> keys, ReadOnlySpan<char> id, ReadOnlySpan<char> timestamp, ReadOnlySpan<byte> body, ReadOnlySpan<byte> expected) =>
        Run(keys, id, timestamp, body, expected, macs: default);

    private static int Run(
        ReadOnlySpan<KeyedHmac> keys, ReadOnlySpan<char> id, ReadOnlySpan<char> timestamp, ReadOnlySpan<byte> body,
        ReadOnlySpan<byte> expected, Span<byte> macs)
    {
        // The prefix "[id.]t." is short (the id comes from a header, so it is bounded by header limits).
        var prefixLength = (id.IsEmpty ? 0 : Encoding.UTF8.GetByteCount(id) + 1) + timestamp.Length + 1;
        byte[]? rented = null;
        var buffer = prefixLength <= StackLimit
            ? stackalloc byte[StackLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(prefixLength));
        var prefix = buffer[..prefixLength];
        try
        {
            var position = 0;
            if (!id.IsEmpty)
            {
                position = Encoding.UTF8.GetBytes(id, prefix);
                prefix[position++] = (byte)'.';
            }
            // The timestamp was checked to be ASCII digits, so each char is one byte.
            for (var i = 0; i < timestamp.Length; i++)
            {
                prefix[position++] = (byte)timestamp[i];
            }
            prefix[position] = (byte)'.';

            Span<byte> mac = stackalloc byte[MacLength];
            for (var k = 0; k < keys.Length; k++)
            {
                keys[k].Compute(prefix, body, mac);
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

/// <summary>
/// HMAC-SHA256 with one key, reusing keyed <see cref="IncrementalHash"/> instances (not thread-safe
/// themselves, hence the pool: one per concurrent caller, kept for the next).
/// </summary>
internal sealed class KeyedHmac(byte[] key)
{
    private readonly ConcurrentBag<IncrementalHash> _pool = [];

    /// <summary>The MAC of <paramref name="prefix"/> followed by <paramref name="body"/>.</summary>
    public void Compute(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> body, Span<byte> mac)
    {
        if (!_pool.TryTake(out var hmac))
        {
            hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        }
        hmac.AppendData(prefix);
        hmac.AppendData(body);
        // Completes the MAC and resets the instance to the bare key, ready for the next caller.
        hmac.TryGetHashAndReset(mac, out _);
        _pool.Add(hmac);
    }
}

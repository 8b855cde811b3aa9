using System.Buffers;
using System.Security.Cryptography;

namespace SmartApi.Storage;

/// <summary>
/// Prefixed ids sortable by creation (<c>dev_01JD…</c>): 48 bits of milliseconds then 80 random bits,
/// in Crockford base32 like a ULID. Within one millisecond the random part counts up, so ids from
/// one process stay strictly increasing.
/// </summary>
public sealed class IdGenerator(TimeProvider time)
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static readonly SearchValues<char> AlphabetChars = SearchValues.Create(Alphabet);
    private readonly Lock _lock = new();
    private long _lastMs = -1;
    private UInt128 _lastRandom;

    public string New(string prefix)
    {
        long ms;
        UInt128 random;
        lock (_lock)
        {
            ms = Math.Max(time.GetUtcNow().ToUnixTimeMilliseconds(), _lastMs);
            if (ms == _lastMs)
            {
                random = _lastRandom + 1;
            }
            else
            {
                Span<byte> bytes = stackalloc byte[16];
                RandomNumberGenerator.Fill(bytes);
                // Keep 79 bits so incrementing within one millisecond cannot overflow 80 bits.
                random = new UInt128(BitConverter.ToUInt64(bytes) & 0x7FFF, BitConverter.ToUInt64(bytes[8..]));
            }
            _lastMs = ms;
            _lastRandom = random;
        }

        return string.Create(prefix.Length + 1 + 26, (prefix, ms, random), static (span, state) =>
        {
            state.prefix.AsSpan().CopyTo(span);
            span[state.prefix.Length] = '_';
            var body = span[(state.prefix.Length + 1)..];
            var value = ((UInt128)(ulong)state.ms << 80) | state.random;
            for (var i = 25; i >= 0; i--)
            {
                body[i] = Alphabet[(int)(value & 31)];
                value >>= 5;
            }
        });
    }

    /// <summary>
    /// The lowest id with that prefix made at <paramref name="at"/>: every id made before it sorts
    /// lower (ordinal), so a range of ids on an index stands for a range of creation times.
    /// </summary>
    public static string Lowest(string prefix, DateTimeOffset at)
    {
        var ms = (ulong)Math.Max(0, at.ToUnixTimeMilliseconds());
        return string.Create(prefix.Length + 1 + 26, (prefix, ms), static (span, state) =>
        {
            state.prefix.AsSpan().CopyTo(span);
            span[state.prefix.Length] = '_';
            var body = span[(state.prefix.Length + 1)..];
            var value = (UInt128)state.ms << 80;
            for (var i = 25; i >= 0; i--)
            {
                body[i] = Alphabet[(int)(value & 31)];
                value >>= 5;
            }
        });
    }

    /// <summary>Whether <paramref name="id"/> looks like an id with that prefix (cheap check before a query).</summary>
    public static bool IsWellFormed(string? id, string prefix) =>
        id is not null
        && id.Length == prefix.Length + 27
        && id.StartsWith(prefix, StringComparison.Ordinal)
        && id[prefix.Length] == '_'
        && id.AsSpan(prefix.Length + 1).IndexOfAnyExcept(AlphabetChars) < 0;
}

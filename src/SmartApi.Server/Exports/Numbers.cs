using System.Globalization;

namespace SmartApi.Server.Exports;

/// <summary>
/// Doubles as UTF-8 in their shortest round-trip form (what <c>double.ToString(InvariantCulture)</c> writes).
/// Measurements mostly have a few decimals (230.1, 0.054), so those are written as a scaled integer: the
/// general algorithm costs several times more, and an export writes six numbers per row.
/// </summary>
internal static class Numbers
{
    private const int MaxDecimals = 4;
    private const double MaxFast = 1e12;
    private static readonly double[] Scales = [1, 10, 100, 1_000, 10_000];

    public static int Write(Span<byte> destination, double value)
    {
        var magnitude = Math.Abs(value);
        // Zero (also -0, which prints "-0"), tiny, huge and non-finite values take the general path.
        if (magnitude is >= 1e-4 and < MaxFast)
        {
            for (var decimals = 0; decimals <= MaxDecimals; decimals++)
            {
                var scaled = Math.Round(magnitude * Scales[decimals]);
                // The decimal n / 10^k reads back as exactly this double: the fewest decimals that do is the shortest form.
                if (scaled / Scales[decimals] == magnitude)
                {
                    return WriteScaled(destination, value < 0, (long)scaled, decimals);
                }
            }
        }
        if (!value.TryFormat(destination, out var written, default, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("A double did not fit its cell.");
        }
        return written;
    }

    private static int WriteScaled(Span<byte> destination, bool negative, long scaled, int decimals)
    {
        var length = 0;
        if (negative)
        {
            destination[length++] = (byte)'-';
        }
        var digits = CountDigits(scaled);
        if (digits <= decimals)
        {
            // 0.054: a leading zero, then zeros up to the first digit.
            destination[length++] = (byte)'0';
            destination[length++] = (byte)'.';
            for (var i = digits; i < decimals; i++)
            {
                destination[length++] = (byte)'0';
            }
            return length + WriteDigits(destination[length..], scaled, digits);
        }
        var end = length + digits + (decimals > 0 ? 1 : 0);
        var position = end;
        for (var i = 0; i < digits; i++)
        {
            if (i == decimals && decimals > 0)
            {
                destination[--position] = (byte)'.';
            }
            destination[--position] = (byte)('0' + (scaled % 10));
            scaled /= 10;
        }
        return end;
    }

    private static int WriteDigits(Span<byte> destination, long value, int digits)
    {
        for (var i = digits - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
        return digits;
    }

    private static int CountDigits(long value)
    {
        var digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }
        return digits;
    }
}

using System.Buffers;
using System.Globalization;
using MudBlazor;

namespace SmartApi.WebConsole.Shared;

/// <summary>
/// The portal's theme from the integrator's accent colour (validated as <c>#RRGGBB</c> by the API). Text
/// on the accent is black or white, whichever contrasts more (WCAG relative luminance), so the header
/// and filled buttons pass axe's contrast check whatever the colour.
/// </summary>
public static class PortalTheme
{
    /// <summary>The console's own primary colour, for a session without an accent.</summary>
    public const string DefaultAccent = "#1a237e";

    public static MudTheme For(string? accent)
    {
        var colour = IsColour(accent) ? accent! : DefaultAccent;
        var text = TextOn(colour);
        return new MudTheme
        {
            PaletteLight = new PaletteLight
            {
                Primary = colour,
                PrimaryContrastText = text,
                AppbarBackground = colour,
                AppbarText = text,
                Success = "#1b5e20",
                Warning = "#7a4100",
                Error = "#b00020",
                Info = "#0d47a1",
            },
            Typography = new Typography { Default = new DefaultTypography { FontFamily = ["system-ui", "-apple-system", "Segoe UI", "Noto Sans", "Liberation Sans", "Arial", "sans-serif"] } },
        };
    }

    /// <summary><c>#000000</c> or <c>#ffffff</c>: the one with the higher contrast ratio against <paramref name="background"/>.</summary>
    public static string TextOn(string background)
    {
        var luminance = Luminance(background);
        var onWhite = 1.05 / (luminance + 0.05);
        var onBlack = (luminance + 0.05) / 0.05;
        return onBlack >= onWhite ? "#000000" : "#ffffff";
    }

    /// <summary>WCAG 2 relative luminance of a <c>#RRGGBB</c> colour.</summary>
    public static double Luminance(string colour)
    {
        double Channel(int offset)
        {
            var c = int.Parse(colour.AsSpan(offset, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 255.0;
            return c <= 0.04045 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
        }
        return 0.2126 * Channel(1) + 0.7152 * Channel(3) + 0.0722 * Channel(5);
    }

    private static readonly SearchValues<char> Hex = SearchValues.Create("0123456789abcdefABCDEF");

    private static bool IsColour(string? value) =>
        value is { Length: 7 } && value[0] == '#' && !value.AsSpan(1).ContainsAnyExcept(Hex);
}

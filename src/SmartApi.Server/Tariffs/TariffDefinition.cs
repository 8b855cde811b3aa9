using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SmartApi.Contracts;

namespace SmartApi.Server.Tariffs;

/// <summary>What the tariff row's definition column holds: the validated, normalized periods (the wire shape).</summary>
internal sealed record TariffDefinition(IReadOnlyList<TariffPeriod> Periods)
{
    public string ToJson() => JsonSerializer.Serialize(this, TariffJsonContext.Default.TariffDefinition);

    public static TariffDefinition FromJson(string json) => JsonSerializer.Deserialize(json, TariffJsonContext.Default.TariffDefinition)!;
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TariffDefinition))]
internal sealed partial class TariffJsonContext : JsonSerializerContext;

/// <summary>The text forms of a tariff: local dates, quarter-hour times, weekdays and targets.</summary>
internal static class TariffText
{
    public const int QuartersPerDay = 96;
    public static readonly string[] Weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    public const string OrganizationTarget = "organization";
    public const string TagTargetPrefix = "tag:";
    public const string DeviceTargetPrefix = "device:";

    public static bool TryParseDate(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    /// <summary><c>HH:mm</c> with minutes a multiple of 15, as quarter hours since midnight (0-96; 96 is <c>24:00</c>).</summary>
    public static bool TryParseQuarter(string? text, out int quarter)
    {
        quarter = -1;
        if (text is not { Length: 5 } || text[2] != ':'
            || !int.TryParse(text.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var hours)
            || !int.TryParse(text.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var minutes)
            || minutes % 15 != 0 || minutes > 45 || hours > 24 || (hours == 24 && minutes != 0))
        {
            return false;
        }
        quarter = hours * 4 + minutes / 15;
        return true;
    }

    /// <summary>The weekday index, Monday 0 ... Sunday 6; -1 when <paramref name="text"/> is not one.</summary>
    public static int Weekday(string? text) => Array.IndexOf(Weekdays, text);

    public static string TagTarget(string key, string value) => TagTargetPrefix + key + ":" + value;

    public static string DeviceTarget(string deviceId) => DeviceTargetPrefix + deviceId;

    /// <summary>Splits targets back into the wire's <see cref="TariffAppliesTo"/> (tags and devices in ordinal order).</summary>
    public static TariffAppliesTo AppliesTo(IReadOnlyList<string> targets) => new(
        targets.Contains(OrganizationTarget),
        [.. targets.Where(t => t.StartsWith(TagTargetPrefix, StringComparison.Ordinal)).Select(t => t[TagTargetPrefix.Length..]).Order(StringComparer.Ordinal)],
        [.. targets.Where(t => t.StartsWith(DeviceTargetPrefix, StringComparison.Ordinal)).Select(t => t[DeviceTargetPrefix.Length..]).Order(StringComparer.Ordinal)]);
}

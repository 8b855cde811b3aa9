using System.Buffers;
using SmartApi.Contracts;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Devices;

/// <summary>
/// Rules for device fields. A serial becomes an MQTT client id and topic level, so it may not hold
/// '/', '+', '#' or spaces.
/// </summary>
internal static class DeviceValidation
{
    public const int MaxTags = 50;
    public const int MaxTagKeyLength = 40;
    public const int MaxTagValueLength = 500;
    private static readonly SearchValues<char> SerialChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:");

    public static void Serial(string? serial, ValidationErrors errors)
    {
        if (string.IsNullOrEmpty(serial) || serial.Length > 64 || serial.AsSpan().IndexOfAnyExcept(SerialChars) >= 0)
        {
            errors.Add("serial", "serial is required: 1-64 characters of A-Z, a-z, 0-9, '-', '_', '.', ':'.");
        }
    }

    public static void Name(string? name, ValidationErrors errors, bool required)
    {
        if (name is null ? required : name.Trim().Length is 0 or > 200)
        {
            errors.Add("name", "name must be 1-200 characters.");
        }
    }

    public static void Model(string? model, ValidationErrors errors)
    {
        if (model is not null && model.Trim().Length is 0 or > 64)
        {
            errors.Add("model", "model must be 1-64 characters.");
        }
    }

    public static void Tags<TValue>(IReadOnlyDictionary<string, TValue>? tags, ValidationErrors errors, Func<TValue, string?> value)
    {
        if (tags is null)
        {
            return;
        }
        if (tags.Count > MaxTags)
        {
            errors.Add("tags", $"At most {MaxTags} tags.");
        }
        foreach (var (key, v) in tags)
        {
            if (key.Length is 0 or > MaxTagKeyLength)
            {
                errors.Add("tags", $"Tag keys must be 1-{MaxTagKeyLength} characters ('{Truncate(key)}').");
            }
            if (value(v) is { Length: > MaxTagValueLength })
            {
                errors.Add($"tags.{Truncate(key)}", $"Tag values must be at most {MaxTagValueLength} characters.");
            }
        }
    }

    public static void Settings(DeviceSettingsRequest? settings, ValidationErrors errors)
    {
        if (settings?.PowerOnState is { } state && !Enum.IsDefined(state))
        {
            errors.Add("settings.powerOnState", "powerOnState must be on, off or last.");
        }
    }

    /// <summary>
    /// A tag selector, <c>key</c> (any value) or <c>key:value</c>; null with an error on
    /// <paramref name="field"/> when it is not one.
    /// </summary>
    public static TagSelector? Tag(string? text, string field, ValidationErrors errors)
    {
        if (text is not null && TagSelector.Parse(text) is { IsWithinLimits: true } selector)
        {
            return selector;
        }
        errors.Add(field, $"{field} must be 'key' or 'key:value' with a key of 1-{MaxTagKeyLength} characters and a value of at most {MaxTagValueLength}.");
        return null;
    }

    private static string Truncate(string text) => text.Length <= MaxTagKeyLength ? text : text[..MaxTagKeyLength] + "...";
}

/// <summary>Devices selected by a tag: <see cref="Value"/> null matches any value of <see cref="Key"/>.</summary>
internal sealed record TagSelector(string Key, string? Value)
{
    /// <summary>Splits at the first colon, so a value may hold colons; not validated (see <see cref="DeviceValidation.Tag"/>).</summary>
    public static TagSelector Parse(string text) =>
        text.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0 ? new(text[..colon], text[(colon + 1)..]) : new(text, null);

    /// <summary>Whether the key and value fit a device tag's lengths.</summary>
    public bool IsWithinLimits =>
        Key.Length is > 0 and <= DeviceValidation.MaxTagKeyLength && Value is not { Length: > DeviceValidation.MaxTagValueLength };

    public override string ToString() => Value is null ? Key : $"{Key}:{Value}";
}

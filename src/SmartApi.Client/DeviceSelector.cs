namespace SmartApi.Client;

/// <summary>Which devices a bulk switch selects: every device with a tag, or a list of ids.</summary>
public sealed class DeviceSelector
{
    private DeviceSelector(string? tag, IReadOnlyList<string>? deviceIds) => (Tag, DeviceIds) = (tag, deviceIds);

    /// <summary>The tag, <c>key:value</c> or <c>key</c> (any value); null when ids select.</summary>
    public string? Tag { get; }

    /// <summary>The device ids; null when a tag selects.</summary>
    public IReadOnlyList<string>? DeviceIds { get; }

    /// <summary>Every device of the organization with this tag (<c>room:kitchen</c>, or <c>room</c> for any value); at most 1,000.</summary>
    public static DeviceSelector WithTag(string tag) => new(tag ?? throw new ArgumentNullException(nameof(tag)), null);

    /// <summary>These devices of the organization (1-1,000 distinct ids).</summary>
    public static DeviceSelector Ids(IEnumerable<string> deviceIds) => new(null, [.. deviceIds ?? throw new ArgumentNullException(nameof(deviceIds))]);
}

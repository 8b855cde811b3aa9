using System.Text.Json.Serialization;

namespace SmartApi.Contracts;

/// <summary>One page of a cursor-paged list.</summary>
/// <param name="Data">The items of this page, in list order.</param>
/// <param name="HasMore">Whether another page follows.</param>
/// <param name="NextCursor">Pass as <c>after</c> to get the next page; null on the last page.</param>
public sealed record Page<T>(IReadOnlyList<T> Data, bool HasMore, string? NextCursor);

/// <summary>State of a device's relay.</summary>
[JsonConverter(typeof(StrictEnumConverter<SwitchState>))]
public enum SwitchState
{
    /// <summary>The state is not known yet (the device never reported it).</summary>
    [JsonStringEnumMemberName("unknown")] Unknown,
    /// <summary>The appliance is powered.</summary>
    [JsonStringEnumMemberName("on")] On,
    /// <summary>The appliance is not powered.</summary>
    [JsonStringEnumMemberName("off")] Off,
}

/// <summary>What a switch command asks for.</summary>
[JsonConverter(typeof(StrictEnumConverter<SwitchAction>))]
public enum SwitchAction
{
    /// <summary>Switch on.</summary>
    [JsonStringEnumMemberName("on")] On,
    /// <summary>Switch off.</summary>
    [JsonStringEnumMemberName("off")] Off,
    /// <summary>Invert the current state.</summary>
    [JsonStringEnumMemberName("toggle")] Toggle,
}

/// <summary>The state a device takes when power returns.</summary>
[JsonConverter(typeof(StrictEnumConverter<PowerOnState>))]
public enum PowerOnState
{
    /// <summary>Switch on when power returns.</summary>
    [JsonStringEnumMemberName("on")] On,
    /// <summary>Stay off when power returns.</summary>
    [JsonStringEnumMemberName("off")] Off,
    /// <summary>Restore the state it had before the outage.</summary>
    [JsonStringEnumMemberName("last")] Last,
}

/// <summary>Lifecycle of a command sent to a device.</summary>
[JsonConverter(typeof(StrictEnumConverter<CommandStatus>))]
public enum CommandStatus
{
    /// <summary>Accepted, not yet delivered to the device.</summary>
    [JsonStringEnumMemberName("pending")] Pending,
    /// <summary>Delivered to the device, not yet acknowledged.</summary>
    [JsonStringEnumMemberName("delivered")] Delivered,
    /// <summary>The device reported the requested state.</summary>
    [JsonStringEnumMemberName("acknowledged")] Acknowledged,
    /// <summary>The device refused or could not carry it out.</summary>
    [JsonStringEnumMemberName("failed")] Failed,
    /// <summary>Not delivered before its time to live ran out.</summary>
    [JsonStringEnumMemberName("expired")] Expired,
}

/// <summary>Enums travel as their names only: a number where a name is expected is a bad request.</summary>
public sealed class StrictEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(namingPolicy: null, allowIntegerValues: false)
    where TEnum : struct, Enum;

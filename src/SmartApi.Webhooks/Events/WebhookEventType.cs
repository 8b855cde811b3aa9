using System.Text.Json.Serialization.Metadata;

namespace SmartApi.Webhooks.Events;

/// <summary>
/// One type of the event catalog: its name, what it means, and the record of its <c>data</c>.
/// <see cref="WebhookEventTypes.Catalog"/> lists them all; the server's <c>GET /v1/event-types</c> is built from that list.
/// </summary>
public sealed class WebhookEventType
{
    internal WebhookEventType(string name, string description, JsonTypeInfo dataTypeInfo, params string[] alsoRequired)
    {
        Name = name;
        Description = description;
        DataTypeInfo = dataTypeInfo;
        AlsoRequired = alsoRequired;
    }

    /// <summary>The type, e.g. <c>device.switched</c>.</summary>
    public string Name { get; }

    /// <summary>What the event means, as <c>GET /v1/event-types</c> describes it.</summary>
    public string Description { get; }

    /// <summary>The record of the type's <c>data</c>, e.g. <see cref="DeviceSwitchedData"/>.</summary>
    public Type DataType => DataTypeInfo.Type;

    /// <summary>
    /// Properties of <see cref="DataType"/> that this type always carries although the record lets them be absent
    /// (the record is shared by several types), e.g. <c>changes</c> of <c>device.updated</c>.
    /// </summary>
    public IReadOnlyList<string> AlsoRequired { get; }

    /// <summary>The source-generated metadata of <see cref="DataType"/> (in <see cref="WebhookJsonContext"/>).</summary>
    public JsonTypeInfo DataTypeInfo { get; }

    /// <inheritdoc />
    public override string ToString() => Name;
}

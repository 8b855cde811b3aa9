using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;
using SmartApi.Webhooks.Events;

namespace SmartApi.Server.Events;

/// <summary>
/// The JSON Schema (2020-12) of each event type's <c>data</c>, generated from its public record with
/// <see cref="JsonSchemaExporter"/>. The transform writes each property in the catalog's dialect: the JSON type
/// (<c>["string","null"]</c> for a nullable string or time; objects are never null on the wire), <c>format</c>
/// for times, then <c>pattern</c> ([RegularExpression]), <c>enum</c> ([AllowedValues]), <c>minimum</c> ([Range]),
/// <c>description</c> ([Description]). Required: the record's parameters without a default, plus the type's
/// <see cref="WebhookEventType.AlsoRequired"/>. The device's <c>deviceId</c> and <c>sequence</c> come first, as in the data.
/// </summary>
internal static class EventSchemas
{
    private const string Dialect = "https://json-schema.org/draft/2020-12/schema";

    private static readonly JsonSchemaExporterOptions Exporter = new() { TransformSchemaNode = Transform };

    public static JsonElement For(WebhookEventType type)
    {
        var typeInfo = EventDataJson.Full.GetTypeInfo(type.DataType);
        var generated = JsonSchemaExporter.GetJsonSchemaAsNode(typeInfo, Exporter)["properties"]!;
        var ordered = typeInfo.Properties.OrderBy(p => Depth(p.DeclaringType)).ToList();
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var property in ordered)
        {
            // Written again here: the exporter adds keywords (such as a parameter's default) after the transform.
            properties[property.Name] = Property(property, generated[property.Name]);
            if (property.AssociatedParameter is { HasDefaultValue: false } || type.AlsoRequired.Contains(property.Name))
            {
                required.Add(property.Name);
            }
        }
        var schema = new JsonObject { ["$schema"] = Dialect, ["type"] = "object", ["properties"] = properties, ["required"] = required };
        using var document = JsonDocument.Parse(schema.ToJsonString());
        return document.RootElement.Clone();
    }

    private static int Depth(Type type) => type.BaseType is { } parent ? 1 + Depth(parent) : 0;

    private static JsonNode Transform(JsonSchemaExporterContext context, JsonNode schema)
    {
        if (context.PropertyInfo is { } property)
        {
            return Property(property, schema);
        }
        // A nested object (a field change): its properties, none required.
        return context.TypeInfo.Kind == JsonTypeInfoKind.Object && schema is JsonObject { } node && node["properties"] is JsonObject nested && !context.Path.IsEmpty
            ? new JsonObject { ["type"] = "object", ["properties"] = nested.DeepClone() }
            : schema;
    }

    private static JsonObject Property(JsonPropertyInfo property, JsonNode? generated)
    {
        var result = new JsonObject();
        var underlying = Nullable.GetUnderlyingType(property.PropertyType);
        var type = underlying ?? property.PropertyType;
        if (type == typeof(JsonElement))
        {
            return result;
        }
        var kind = type == typeof(string) || type == typeof(DateTimeOffset) ? "string"
            : type == typeof(long) || type == typeof(int) ? "integer"
            : type == typeof(double) ? "number"
            : "object";
        var nullable = kind != "object" && (underlying is not null || (!type.IsValueType && property.IsGetNullable));
        result["type"] = nullable ? new JsonArray(kind, "null") : kind;
        if (type == typeof(DateTimeOffset))
        {
            result["format"] = "date-time";
        }
        var attributes = property.AttributeProvider?.GetCustomAttributes(inherit: true) ?? [];
        foreach (var pattern in attributes.OfType<RegularExpressionAttribute>())
        {
            result["pattern"] = pattern.Pattern;
        }
        foreach (var allowed in attributes.OfType<AllowedValuesAttribute>())
        {
            result["enum"] = new JsonArray([.. allowed.Values.Select(v => JsonValue.Create(Convert.ToString(v, CultureInfo.InvariantCulture)))]);
        }
        foreach (var range in attributes.OfType<RangeAttribute>())
        {
            result["minimum"] = Convert.ToDouble(range.Minimum, CultureInfo.InvariantCulture);
        }
        foreach (var description in attributes.OfType<DescriptionAttribute>())
        {
            result["description"] = description.Description;
        }
        if (generated is JsonObject { } node && node["additionalProperties"] is { } values)
        {
            result["additionalProperties"] = values.DeepClone();
        }
        return result;
    }
}

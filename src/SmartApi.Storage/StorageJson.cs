using System.Text.Json.Serialization;

namespace SmartApi.Storage;

/// <summary>Serializer context for the JSON columns providers store (tags, scopes).</summary>
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
public sealed partial class StorageJsonContext : JsonSerializerContext;

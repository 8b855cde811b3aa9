using System.Text.Json.Serialization;

namespace SmartApi.Contracts;

/// <summary>Body of <c>POST /v1/api-keys</c>.</summary>
/// <param name="Name">A label for people, such as the system that uses the key.</param>
/// <param name="Scopes">What the key may do; a key can only grant scopes its creator holds.</param>
/// <param name="OrganizationId">Create the key in another organization (admin keys only).</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateApiKeyRequest(string? Name, IReadOnlyList<string>? Scopes, string? OrganizationId = null);

/// <summary>
/// An API key. The secret (<c>key</c>) is only present in the response that created it, and so is
/// <c>warning</c>, for a key holding <c>admin</c>: that scope is platform-wide (it manages every
/// organization, not only the key's own).
/// </summary>
public sealed record ApiKeyResponse(
    string Id,
    string OrganizationId,
    string Name,
    string Prefix,
    IReadOnlyList<string> Scopes,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Key = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Warning = null);

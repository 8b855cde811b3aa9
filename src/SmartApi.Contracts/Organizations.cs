using System.Text.Json.Serialization;

namespace SmartApi.Contracts;

/// <summary>Body of <c>POST /v1/organizations</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateOrganizationRequest(string? Name);

/// <summary>An organization (tenant): every device, event and key belongs to exactly one.</summary>
public sealed record OrganizationResponse(string Id, string Name, DateTimeOffset CreatedAt);

using System.Text.Json.Serialization;

namespace SmartApi.Contracts;

/// <summary>Body of <c>POST /v1/organizations</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateOrganizationRequest(string? Name);

/// <summary>Body of <c>PATCH /v1/organizations/{id}</c>: a member left out keeps its value.</summary>
/// <param name="Name">The new name.</param>
/// <param name="Limits">Replaces the organization's limits as a whole; a limit left out or null follows the server's default.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateOrganizationRequest(string? Name = null, OrganizationLimitSettings? Limits = null);

/// <summary>An organization's limits; null means "the server's default" (<c>SmartApi:Limits</c>).</summary>
/// <param name="RequestsPerSecond">Sustained API requests per second per API key.</param>
/// <param name="RequestBurst">Requests an idle API key may send at once.</param>
/// <param name="MaxDevices">Most devices the organization may hold.</param>
/// <param name="MaxAutomations">Most automations the organization may hold.</param>
/// <param name="MaxWebhooks">Most webhook actions across the organization's automations.</param>
/// <param name="DeviceMessagesPerSecond">MQTT messages per second one device may publish.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record OrganizationLimitSettings(
    int? RequestsPerSecond = null,
    int? RequestBurst = null,
    int? MaxDevices = null,
    int? MaxAutomations = null,
    int? MaxWebhooks = null,
    int? DeviceMessagesPerSecond = null);

/// <summary>An organization (tenant): every device, event and key belongs to exactly one.</summary>
/// <param name="Id">Its id (<c>org_...</c>).</param>
/// <param name="Name">Its name.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="Limits">Its own limits (null members follow the server's defaults).</param>
/// <param name="EffectiveLimits">The limits that apply: its own, else the server's defaults.</param>
public sealed record OrganizationResponse(
    string Id,
    string Name,
    DateTimeOffset CreatedAt,
    OrganizationLimitSettings? Limits = null,
    OrganizationLimitSettings? EffectiveLimits = null);

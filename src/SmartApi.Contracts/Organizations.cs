using System.Text.Json.Serialization;

namespace SmartApi.Contracts;

/// <summary>Body of <c>POST /v1/organizations</c>.</summary>
/// <param name="Name">Its name, 1-200 characters.</param>
/// <param name="TimeZone">The IANA time zone of its local days (energy statistics and reports); default <c>UTC</c>.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateOrganizationRequest(string? Name, string? TimeZone = null);

/// <summary>Body of <c>PATCH /v1/organizations/{id}</c>: a member left out keeps its value.</summary>
/// <param name="Name">The new name.</param>
/// <param name="Limits">Replaces the organization's limits as a whole; a limit left out or null follows the server's default.</param>
/// <param name="TimeZone">The IANA time zone of its local days, such as <c>Europe/Zurich</c>.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateOrganizationRequest(string? Name = null, OrganizationLimitSettings? Limits = null, string? TimeZone = null);

/// <summary>Body of <c>PATCH /v1/organization</c>: the settings an organization keeps itself (a member left out keeps its value).</summary>
/// <param name="TimeZone">The IANA time zone of its local days, such as <c>Europe/Zurich</c>.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateOwnOrganizationRequest(string? TimeZone = null);

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
/// <param name="TimeZone">The IANA time zone of its local days: energy statistics, reports and budgets use it unless a request names another.</param>
public sealed record OrganizationResponse(
    string Id,
    string Name,
    DateTimeOffset CreatedAt,
    OrganizationLimitSettings? Limits = null,
    OrganizationLimitSettings? EffectiveLimits = null,
    string TimeZone = "UTC");

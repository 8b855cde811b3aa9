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
/// <param name="Retention">Replaces the organization's retention as a whole; a member left out or null follows the server's default.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateOrganizationRequest(string? Name = null, OrganizationLimitSettings? Limits = null, string? TimeZone = null,
    OrganizationRetentionSettings? Retention = null);

/// <summary>Body of <c>PATCH /v1/organization</c>: the settings an organization keeps itself (a member left out keeps its value).</summary>
/// <param name="TimeZone">The IANA time zone of its local days, such as <c>Europe/Zurich</c>.</param>
/// <param name="Retention">Replaces the organization's retention as a whole; a member left out or null follows the server's default.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateOwnOrganizationRequest(string? TimeZone = null, OrganizationRetentionSettings? Retention = null);

/// <summary>
/// How many days an organization keeps its data (1-3650 each). In a request, null means "the server's
/// default" (<c>SmartApi:Retention</c>), which is also the longest any organization keeps events,
/// deliveries and measurements; rollups with null are kept forever.
/// </summary>
/// <param name="EventsDays">Events, with their deliveries, attempts and automation runs.</param>
/// <param name="DeliveriesDays">Deliveries and their attempts, if they should go before their events (at most <c>eventsDays</c>).</param>
/// <param name="MeasurementsDays">Raw measurements (samples).</param>
/// <param name="RollupsDays">Energy rollups (15-minute and hourly); they may outlive raw measurements, and energy statistics read them once the samples are gone.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record OrganizationRetentionSettings(
    int? EventsDays = null,
    int? DeliveriesDays = null,
    int? MeasurementsDays = null,
    int? RollupsDays = null);

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
/// <param name="Retention">Its own retention (null members follow the server's defaults).</param>
/// <param name="EffectiveRetention">The retention that applies: its own, else the server's, never longer than the server's (a null <c>rollupsDays</c>: kept forever).</param>
public sealed record OrganizationResponse(
    string Id,
    string Name,
    DateTimeOffset CreatedAt,
    OrganizationLimitSettings? Limits = null,
    OrganizationLimitSettings? EffectiveLimits = null,
    string TimeZone = "UTC",
    OrganizationRetentionSettings? Retention = null,
    OrganizationRetentionSettings? EffectiveRetention = null);

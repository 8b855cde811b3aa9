using System.Text.Json.Serialization;

namespace SmartApi.Contracts;

/// <summary>
/// Body of <c>POST /v1/automations</c> and <c>PATCH /v1/automations/{id}</c> (absent fields stay
/// as they are on PATCH; <c>actions</c> is replaced as a whole).
/// </summary>
/// <param name="Name">A name for people.</param>
/// <param name="Enabled">Whether it runs (default true).</param>
/// <param name="Trigger">When it runs: <c>{"events":["device.switched"],"deviceIds":[]}</c>, <c>{"events":["*"]}</c> for every event, <c>{"schedule":{...}}</c> or <c>{"power":{...}}</c>.</param>
/// <param name="Conditions">Checks made when the trigger fires (all must hold): <c>switch</c>, <c>power</c>, <c>time</c>, <c>weekdays</c>.</param>
/// <param name="Actions">What it does: <c>webhook</c> and <c>switch</c> actions.</param>
/// <param name="CooldownSeconds">Least time between two runs (1-604800); a trigger within it is skipped.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AutomationRequest(
    string? Name = null,
    bool? Enabled = null,
    AutomationTrigger? Trigger = null,
    IReadOnlyList<AutomationCondition>? Conditions = null,
    IReadOnlyList<AutomationActionRequest>? Actions = null,
    int? CooldownSeconds = null);

/// <summary>When an automation runs: exactly one of <c>events</c>, <c>schedule</c> or <c>power</c>.</summary>
/// <param name="Events">Event types from the catalog, or <c>["*"]</c> for all of them.</param>
/// <param name="DeviceIds">Only events of these devices (all devices when empty).</param>
/// <param name="Schedule">A cron schedule: <c>{"cron":"0 18 * * 1-5","timeZone":"Europe/Zurich"}</c>.</param>
/// <param name="Power">A power threshold on devices.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AutomationTrigger(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Events = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? DeviceIds = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ScheduleTrigger? Schedule = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PowerTrigger? Power = null);

/// <summary>An action in a request.</summary>
/// <param name="Type"><c>webhook</c> (or <c>switch</c>).</param>
/// <param name="Url">Webhook: where to POST events (http or https).</param>
/// <param name="Headers">Webhook: extra request headers (they cannot replace the signature or event headers). Values are stored encrypted and read back as <c>***</c>; a value of <c>***</c> keeps the value stored for that header in the webhook at the same position, as long as its URL keeps its scheme, host and port.</param>
/// <param name="Ordered">Webhook: deliver each device's events strictly in order.</param>
/// <param name="StandardWebhooks">Webhook: also send the Standard Webhooks headers.</param>
/// <param name="DeviceId">Switch: the device to switch (one of the organization's devices); or give <c>tag</c>.</param>
/// <param name="State">Switch: <c>on</c>, <c>off</c> or <c>toggle</c>.</param>
/// <param name="RevertAfterSeconds">Switch: switch back (the opposite command; toggle again for <c>toggle</c>) after this many seconds (1-86400).</param>
/// <param name="RateLimit">Webhook: an optional maximum delivery rate (ADR 041).</param>
/// <param name="CircuitBreaker">Webhook: the circuit breaker's settings; on with the defaults when left out.</param>
/// <param name="Tag">Switch: instead of <c>deviceId</c>, every device that carries this tag when the action runs (<c>key:value</c>, or <c>key</c> for any value; at most 1,000 devices), as one batch.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AutomationActionRequest(
    string? Type,
    string? Url = null,
    Dictionary<string, string>? Headers = null,
    bool? Ordered = null,
    bool? StandardWebhooks = null,
    string? DeviceId = null,
    SwitchAction? State = null,
    int? RevertAfterSeconds = null,
    string? Tag = null,
    WebhookRateLimit? RateLimit = null,
    WebhookCircuitBreaker? CircuitBreaker = null);

/// <summary>An action of an automation; webhook fields for <c>webhook</c>, device fields for <c>switch</c>.</summary>
/// <param name="Headers">Webhook: the custom header names, each with the value <c>***</c> (values are never shown).</param>
/// <param name="Secret">The signing secret (<c>whsec_...</c>), only in the response that created the automation.</param>
/// <param name="Tag">Switch: the tag whose devices the action switches (instead of <c>deviceId</c>).</param>
/// <param name="RateLimit">Webhook: its maximum delivery rate, when it has one.</param>
/// <param name="CircuitBreaker">Webhook: the circuit breaker's effective settings.</param>
/// <param name="Circuit">Webhook: the circuit's state now (closed, open, half_open), failure streak and next probe.</param>
/// <param name="Status">Webhook: <c>active</c>, or <c>disabled</c> (see <c>disabledReason</c>: <c>gone</c> after a 410, <c>failing</c> after days of failures). Save the action again to re-enable it.</param>
public sealed record AutomationActionResponse(
    string Type,
    string? Url,
    IReadOnlyDictionary<string, string>? Headers,
    bool Ordered,
    bool StandardWebhooks,
    string? Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DisabledReason = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Secret = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DeviceId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SwitchAction? State = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? RevertAfterSeconds = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Tag = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] WebhookRateLimit? RateLimit = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] WebhookCircuitBreaker? CircuitBreaker = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] WebhookCircuitState? Circuit = null);

/// <summary>An automation.</summary>
public sealed record AutomationResponse(
    string Id,
    string OrganizationId,
    string Name,
    bool Enabled,
    AutomationTrigger Trigger,
    IReadOnlyList<AutomationCondition> Conditions,
    IReadOnlyList<AutomationActionResponse> Actions,
    int? CooldownSeconds,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>The answer of <c>POST /v1/automations/{id}/rotate-secret</c>.</summary>
/// <param name="Secret">The new signing secret, shown once.</param>
/// <param name="PreviousSecretsExpireAt">Until then requests are signed with the old and the new secret.</param>
public sealed record RotateSecretResponse(string Secret, DateTimeOffset PreviousSecretsExpireAt);

/// <summary>The answer of <c>POST /v1/automations/{id}/test</c>: the test event and its deliveries.</summary>
public sealed record AutomationTestResponse(EventResponse Event, IReadOnlyList<string> DeliveryIds);

/// <summary>Body of <c>POST /v1/automations/{id}/recover</c>.</summary>
/// <param name="Since">Queue again the failed deliveries created since then (at most 14 days back).</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RecoverRequest(DateTimeOffset? Since);

/// <summary>The answer of <c>POST /v1/automations/{id}/recover</c>.</summary>
public sealed record RecoverResponse(int Queued);

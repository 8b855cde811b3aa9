using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmartApi.Contracts;

/// <summary>
/// Body of <c>POST /v1/automations</c> and <c>PATCH /v1/automations/{id}</c> (absent fields stay
/// as they are on PATCH; <c>actions</c> is replaced as a whole).
/// </summary>
/// <param name="Name">A name for people.</param>
/// <param name="Enabled">Whether it runs (default true).</param>
/// <param name="Trigger">When it runs: <c>{"events":["device.switched"],"deviceIds":[]}</c>, or <c>{"events":["*"]}</c> for every event.</param>
/// <param name="Conditions">Checks made when the trigger fires (all must hold).</param>
/// <param name="Actions">What it does: webhooks (and, with the device gateway, switch actions).</param>
/// <param name="CooldownSeconds">Least time between two runs.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AutomationRequest(
    string? Name = null,
    bool? Enabled = null,
    AutomationTrigger? Trigger = null,
    IReadOnlyList<JsonElement>? Conditions = null,
    IReadOnlyList<AutomationActionRequest>? Actions = null,
    int? CooldownSeconds = null);

/// <summary>When an automation runs.</summary>
/// <param name="Events">Event types from the catalog, or <c>["*"]</c> for all of them.</param>
/// <param name="DeviceIds">Only events of these devices (all devices when empty).</param>
/// <param name="Schedule">A cron schedule: <c>{"cron":"0 18 * * 1-5","timeZone":"Europe/Zurich"}</c>.</param>
/// <param name="Power">A power threshold on devices.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AutomationTrigger(
    IReadOnlyList<string>? Events = null,
    IReadOnlyList<string>? DeviceIds = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Schedule = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Power = null);

/// <summary>An action in a request.</summary>
/// <param name="Type"><c>webhook</c> (or <c>switch</c>).</param>
/// <param name="Url">Webhook: where to POST events (http or https).</param>
/// <param name="Headers">Webhook: extra request headers (they cannot replace the signature or event headers).</param>
/// <param name="Ordered">Webhook: deliver each device's events strictly in order.</param>
/// <param name="StandardWebhooks">Webhook: also send the Standard Webhooks headers.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AutomationActionRequest(
    string? Type,
    string? Url = null,
    Dictionary<string, string>? Headers = null,
    bool? Ordered = null,
    bool? StandardWebhooks = null,
    string? DeviceId = null,
    SwitchAction? State = null,
    int? RevertAfterSeconds = null);

/// <summary>An action of an automation.</summary>
/// <param name="Secret">The signing secret (<c>whsec_...</c>), only in the response that created the automation.</param>
/// <param name="Status">Webhook: <c>active</c>, or <c>disabled</c> (see <c>disabledReason</c>: <c>gone</c> after a 410, <c>failing</c> after days of failures). Save the action again to re-enable it.</param>
public sealed record AutomationActionResponse(
    string Type,
    string? Url,
    IReadOnlyDictionary<string, string>? Headers,
    bool Ordered,
    bool StandardWebhooks,
    string? Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DisabledReason = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Secret = null);

/// <summary>An automation.</summary>
public sealed record AutomationResponse(
    string Id,
    string OrganizationId,
    string Name,
    bool Enabled,
    AutomationTrigger Trigger,
    IReadOnlyList<JsonElement> Conditions,
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

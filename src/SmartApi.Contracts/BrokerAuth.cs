using System.Text.Json.Serialization;

namespace SmartApi.Contracts;

/// <summary>
/// What an external broker's HTTP authenticator sends (EMQX: <c>POST /mqtt/auth</c> with the body
/// template <c>{"username":"${username}","password":"${password}","clientid":"${clientid}"}</c>).
/// </summary>
/// <param name="Username">The MQTT user name; a device's is its serial.</param>
/// <param name="Password">The MQTT password.</param>
/// <param name="ClientId">The MQTT client id; a device's is its serial too.</param>
public sealed record BrokerAuthRequest(
    string? Username,
    string? Password,
    [property: JsonPropertyName("clientid")] string? ClientId = null);

/// <summary>What an external broker's HTTP authorizer sends for a publish or subscribe (EMQX: <c>POST /mqtt/acl</c>).</summary>
/// <param name="Username">The MQTT user name.</param>
/// <param name="Topic">The topic published to, or the topic filter subscribed to.</param>
/// <param name="Action"><c>publish</c> or <c>subscribe</c>.</param>
/// <param name="ClientId">The MQTT client id.</param>
public sealed record BrokerAclRequest(
    string? Username,
    string? Topic,
    string? Action = null,
    [property: JsonPropertyName("clientid")] string? ClientId = null);

/// <summary>The answer to the broker: <c>allow</c>, <c>deny</c>, or <c>ignore</c> (not a device: the broker asks its next authenticator).</summary>
/// <param name="Result"><c>allow</c>, <c>deny</c> or <c>ignore</c>.</param>
/// <param name="IsSuperuser">Always false: a device is never exempt from the ACL.</param>
public sealed record BrokerAuthResponse(
    string Result,
    [property: JsonPropertyName("is_superuser")] bool IsSuperuser = false);

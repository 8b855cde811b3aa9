using System.Text.Json.Serialization;

namespace SmartApi.Contracts;

/// <summary>
/// Body of <c>POST /v1/devices/switch</c>: a state and exactly one selector, <c>tag</c> or
/// <c>deviceIds</c>. Every selected device gets its own command, all stored together.
/// </summary>
/// <param name="State"><c>on</c>, <c>off</c> or <c>toggle</c>, as for one device.</param>
/// <param name="Tag">The organization's devices with this tag: <c>key:value</c>, or <c>key</c> for any value (at most 1,000 devices).</param>
/// <param name="DeviceIds">These devices of the organization (1-1,000 distinct ids).</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record BulkSwitchRequest(
    SwitchAction? State,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Tag = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? DeviceIds = null);

/// <summary>
/// A bulk switch: its batch and each device's command. <c>POST /v1/devices/switch</c> answers 202
/// with the commands as stored (<c>pending</c>); <c>GET /v1/command-batches/{batchId}</c> shows their
/// current status. A tag that matches no device answers 200 with no batch (<c>batchId</c> null) and
/// no commands: nothing was stored.
/// </summary>
/// <param name="BatchId">The batch (<c>cmb_...</c>); null when no device matched.</param>
/// <param name="State">The state every command of the batch asks for.</param>
/// <param name="Commands">One per device, in device id order.</param>
public sealed record SwitchBatchResponse(string? BatchId, SwitchAction State, IReadOnlyList<BatchCommand> Commands);

/// <summary>One device's command in a bulk switch; follow it alone at <c>GET /v1/devices/{deviceId}/commands/{commandId}</c>.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="CommandId">Its command (<c>cmd_...</c>).</param>
/// <param name="Status">The command's status, with the same values as a single command's.</param>
/// <param name="Error">Why it failed or expired, when it did.</param>
public sealed record BatchCommand(
    string DeviceId,
    string CommandId,
    CommandStatus Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);

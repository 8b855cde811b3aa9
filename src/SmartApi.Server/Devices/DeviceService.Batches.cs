using SmartApi.Contracts;
using SmartApi.Storage;

namespace SmartApi.Server.Devices;

internal sealed partial class DeviceService
{
    /// <summary>The most devices one bulk switch (or one tag-targeted automation action) switches.</summary>
    public const int MaxBatchDevices = 1000;

    /// <summary>
    /// Stores one pending command per selected device, all in one unit of work and one batch. The
    /// selection is read in that unit, so a device deleted concurrently is either switched or not
    /// selected. Nothing is stored when an id is unknown (or another organization's) or the tag
    /// matches more than <see cref="MaxBatchDevices"/> devices.
    /// </summary>
    public Task<BulkSwitchOutcome> SwitchManyAsync(
        string organizationId, SwitchAction action, TagSelector? tag, IReadOnlyList<string>? deviceIds, CancellationToken cancellationToken) =>
        store.WriteAsync(async tx =>
        {
            IReadOnlyList<string> selected;
            if (tag is not null)
            {
                selected = await tx.ListDeviceIdsByTagAsync(organizationId, tag.Key, tag.Value, MaxBatchDevices + 1);
                if (selected.Count > MaxBatchDevices)
                {
                    return BulkSwitchOutcome.TooMany;
                }
            }
            else
            {
                var requested = deviceIds ?? [];
                selected = await tx.FindDeviceIdsAsync(organizationId, requested);
                if (selected.Count != requested.Count)
                {
                    var found = selected.ToHashSet(StringComparer.Ordinal);
                    return new BulkSwitchOutcome([], [.. requested.Where(id => !found.Contains(id))]);
                }
            }
            return new BulkSwitchOutcome(await StoreCommandsAsync(tx, organizationId, selected, action.ToWire(), CommandOrigin.Api), []);
        }, cancellationToken);

    /// <summary>
    /// Stores a pending command for each of <paramref name="deviceIds"/> (devices of the organization,
    /// read in this unit) under one new batch id; none and no batch for an empty list.
    /// </summary>
    public async ValueTask<IReadOnlyList<Command>> StoreCommandsAsync(
        IStoreTransaction tx, string organizationId, IReadOnlyList<string> deviceIds, string state, CommandOrigin origin)
    {
        if (deviceIds.Count == 0)
        {
            return [];
        }
        var batchId = ids.New("cmb");
        var now = time.GetUtcNow();
        var commands = deviceIds.Select(deviceId => NewCommand(organizationId, deviceId, state, origin, now, batchId)).ToList();
        await tx.InsertCommandsAsync(commands);
        return commands;
    }

    private Command NewCommand(string organizationId, string deviceId, string state, CommandOrigin origin, DateTimeOffset now, string? batchId) =>
        new(ids.New("cmd"), organizationId, deviceId, "switch", state, CommandStatus.Pending.ToWire(), now, now, now + options.Value.Ttl,
            null, origin.Source, origin.AutomationId, origin.Depth, batchId);
}

/// <summary>What a bulk switch stored, or why it stored nothing (unknown ids, too many matches).</summary>
internal sealed record BulkSwitchOutcome(IReadOnlyList<Command> Commands, IReadOnlyList<string> UnknownIds, bool TooManyDevices = false)
{
    public static readonly BulkSwitchOutcome TooMany = new([], [], TooManyDevices: true);
}

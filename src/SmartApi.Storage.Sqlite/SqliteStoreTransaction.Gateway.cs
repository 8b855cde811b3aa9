using System.Text.Json;

namespace SmartApi.Storage.Sqlite;

internal sealed partial class SqliteStoreTransaction
{
    /// <summary>Whether this transaction inserted commands (the writer announces them after commit).</summary>
    public bool InsertedCommands { get; private set; }

    public async ValueTask<IReadOnlyList<Command>> ClaimCommandsAsync(
        string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, IReadOnlyCollection<string>? deviceIds)
    {
        if (deviceIds is { Count: 0 })
        {
            return [];
        }
        var command = deviceIds is null
            ? Command(Sql.ClaimCommandsOfOnlineDevices)
            : Command(Sql.ClaimCommandsOfDevices).With("@devices", JsonSerializer.Serialize(deviceIds as string[] ?? [.. deviceIds], StorageJsonContext.Default.StringArray));
        var rows = await command.With("@owner", owner).With("@until", Ms.Of(leaseUntil)).With("@now", Ms.Of(now)).With("@limit", limit)
            .ListAsync<CommandRow>();
        // RETURNING has no defined order.
        return [.. rows.Select(r => r.ToEntity()).OrderBy(c => c.Id, StringComparer.Ordinal)];
    }

    public async ValueTask<int> MarkCommandsDeliveredAsync(IReadOnlyList<string> ids, DateTimeOffset now)
    {
        var moved = 0;
        var command = Command(Sql.MarkCommandDelivered).With("@now", Ms.Of(now));
        foreach (var id in ids)
        {
            moved += await command.With("@id", id).ExecuteNonQueryAsync();
        }
        return moved;
    }

    public async ValueTask<Command?> FindCommandAsync(string deviceId, string id) =>
        (await Command(Sql.FindCommand).With("@device", deviceId).With("@id", id).SingleOrDefaultAsync<CommandRow>())?.ToEntity();

    public async ValueTask<bool> CompleteCommandAsync(string id, string status, string? error, DateTimeOffset now) =>
        await Command(Sql.CompleteCommand).With("@id", id).With("@status", status).With("@error", error).With("@now", Ms.Of(now))
            .ExecuteNonQueryAsync() == 1;

    public async ValueTask<IReadOnlyList<Command>> ExpireCommandsAsync(DateTimeOffset now, int limit) =>
        [.. (await Command(Sql.ExpireCommands).With("@now", Ms.Of(now)).With("@limit", limit).ListAsync<CommandRow>())
            .Select(r => r.ToEntity()).OrderBy(c => c.ExpiresAt).ThenBy(c => c.Id, StringComparer.Ordinal)];

    public async ValueTask<bool> TryClaimEnergyReportAsync(DateTimeOffset periodStart, DateTimeOffset now) =>
        await Command(Sql.ClaimEnergyReport).With("@start", Ms.Of(periodStart)).With("@now", Ms.Of(now)).ExecuteNonQueryAsync() == 1;

    public async ValueTask<IReadOnlyList<DeviceEnergyTotal>> SumEnergyAsync(DateTimeOffset from, DateTimeOffset to) =>
        [.. (await Command(Sql.SumEnergy).With("@from", Ms.Of(from)).With("@to", Ms.Of(to))
            .With("@minPower", TelemetryLimits.MinPowerW).With("@maxPower", TelemetryLimits.MaxPowerW).With("@maxStep", TelemetryLimits.MaxEnergyWh).ListAsync<DeviceEnergyRow>())
            .Select(r => new DeviceEnergyTotal(r.DeviceId, r.OrganizationId, r.EnergyWh))];
}

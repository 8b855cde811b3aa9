
namespace SmartApi.Storage.Postgres;

internal sealed partial class PostgresStoreTransaction
{
    public async ValueTask<IReadOnlyList<Command>> ClaimCommandsAsync(
        string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, IReadOnlyCollection<string>? deviceIds)
    {
        if (deviceIds is { Count: 0 })
        {
            return [];
        }
        var rows = deviceIds is null
            ? await db.QueryAsync<CommandRow>(Sql.ClaimCommandsOfOnlineDevices, new { owner, until = Ms.Of(leaseUntil), now = Ms.Of(now), limit })
            : await db.QueryAsync<CommandRow>(Sql.ClaimCommandsOfDevices,
                new { owner, until = Ms.Of(leaseUntil), now = Ms.Of(now), limit, devices = deviceIds as string[] ?? [.. deviceIds] });
        return [.. rows.Select(r => r.ToEntity()).OrderBy(c => c.Id, StringComparer.Ordinal)];
    }

    public async ValueTask<int> MarkCommandsDeliveredAsync(IReadOnlyList<string> ids, DateTimeOffset now) =>
        await db.ExecuteAsync(Sql.MarkCommandsDelivered, new { ids = ids as string[] ?? [.. ids], now = Ms.Of(now) });

    public async ValueTask<Command?> FindCommandAsync(string deviceId, string id) =>
        (await db.QuerySingleOrDefaultAsync<CommandRow>(Sql.FindCommand, new { device = deviceId, id }))?.ToEntity();

    public async ValueTask<bool> CompleteCommandAsync(string id, string status, string? error, DateTimeOffset now) =>
        await db.ExecuteAsync(Sql.CompleteCommand, new { id, status, error, now = Ms.Of(now) }) == 1;

    public async ValueTask<IReadOnlyList<Command>> ExpireCommandsAsync(DateTimeOffset now, int limit) =>
        [.. (await db.QueryAsync<CommandRow>(Sql.ExpireCommands, new { now = Ms.Of(now), limit }))
            .Select(r => r.ToEntity()).OrderBy(c => c.ExpiresAt).ThenBy(c => c.Id, StringComparer.Ordinal)];

    public async ValueTask<bool> TryClaimEnergyReportAsync(DateTimeOffset periodStart, DateTimeOffset now) =>
        await db.ExecuteAsync(Sql.ClaimEnergyReport, new { start = Ms.Of(periodStart), now = Ms.Of(now) }) == 1;

    public async ValueTask<IReadOnlyList<DeviceEnergyTotal>> SumEnergyAsync(DateTimeOffset from, DateTimeOffset to) =>
        [.. (await db.QueryAsync<DeviceEnergyRow>(Sql.SumEnergy, new { from = Ms.Of(from), to = Ms.Of(to), minPower = TelemetryLimits.MinPowerW, maxPower = TelemetryLimits.MaxPowerW, maxStep = TelemetryLimits.MaxEnergyWh }))
            .Select(r => new DeviceEnergyTotal(r.DeviceId, r.OrganizationId, r.EnergyWh))];
}

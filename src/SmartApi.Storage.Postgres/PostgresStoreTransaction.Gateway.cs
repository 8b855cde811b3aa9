using Dapper;
using SmartApi.Storage.Sqlite;

namespace SmartApi.Storage.Postgres;

internal sealed partial class PostgresStoreTransaction
{
    /// <summary>Whether this transaction inserted commands (the store announces them after commit).</summary>
    public bool InsertedCommands { get; private set; }

    public async ValueTask<IReadOnlyList<Command>> ClaimCommandsAsync(
        string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, IReadOnlyCollection<string>? deviceIds)
    {
        if (deviceIds is { Count: 0 })
        {
            return [];
        }
        var rows = deviceIds is null
            ? await connection.QueryAsync<CommandRow>(Sql.ClaimCommandsOfOnlineDevices, new { owner, until = Ms.Of(leaseUntil), now = Ms.Of(now), limit }, transaction)
            : await connection.QueryAsync<CommandRow>(Sql.ClaimCommandsOfDevices,
                new { owner, until = Ms.Of(leaseUntil), now = Ms.Of(now), limit, devices = deviceIds as string[] ?? [.. deviceIds] }, transaction);
        return [.. rows.Select(r => r.ToEntity()).OrderBy(c => c.Id, StringComparer.Ordinal)];
    }

    public async ValueTask<int> MarkCommandsDeliveredAsync(IReadOnlyList<string> ids, DateTimeOffset now) =>
        await connection.ExecuteAsync(Sql.MarkCommandsDelivered, new { ids = ids as string[] ?? [.. ids], now = Ms.Of(now) }, transaction);

    public async ValueTask<Command?> FindCommandAsync(string deviceId, string id) =>
        (await connection.QuerySingleOrDefaultAsync<CommandRow>(Sql.FindCommand, new { device = deviceId, id }, transaction))?.ToEntity();

    public async ValueTask<bool> CompleteCommandAsync(string id, string status, string? error, DateTimeOffset now) =>
        await connection.ExecuteAsync(Sql.CompleteCommand, new { id, status, error, now = Ms.Of(now) }, transaction) == 1;

    public async ValueTask<IReadOnlyList<Command>> ExpireCommandsAsync(DateTimeOffset now, int limit) =>
        [.. (await connection.QueryAsync<CommandRow>(Sql.ExpireCommands, new { now = Ms.Of(now), limit }, transaction))
            .Select(r => r.ToEntity()).OrderBy(c => c.ExpiresAt).ThenBy(c => c.Id, StringComparer.Ordinal)];

    public async ValueTask<bool> TryClaimEnergyReportAsync(DateTimeOffset periodStart, DateTimeOffset now) =>
        await connection.ExecuteAsync(Sql.ClaimEnergyReport, new { start = Ms.Of(periodStart), now = Ms.Of(now) }, transaction) == 1;

    public async ValueTask<IReadOnlyList<DeviceEnergyTotal>> SumEnergyAsync(DateTimeOffset from, DateTimeOffset to) =>
        [.. (await connection.QueryAsync<DeviceEnergyRow>(Sql.SumEnergy, new { from = Ms.Of(from), to = Ms.Of(to) }, transaction))
            .Select(r => new DeviceEnergyTotal(r.DeviceId, r.OrganizationId, r.EnergyWh))];
}

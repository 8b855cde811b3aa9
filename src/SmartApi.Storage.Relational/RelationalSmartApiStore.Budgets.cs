using Dapper;

namespace SmartApi.Storage.Relational;

public abstract partial class RelationalSmartApiStore
{
    private static readonly long SlotMs = (long)TimeSpan.FromMinutes(15).TotalMilliseconds;

    public async Task<Budget?> GetBudgetAsync(string organizationId, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<BudgetRow>(RelationalSql.GetBudget, new { org = organizationId, id }))?.ToEntity();
    }

    public async Task<PageResult<Budget>> ListBudgetsAsync(string organizationId, PageRequest page, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<BudgetRow>(RelationalSql.ListBudgets, new { org = organizationId, after = page.After ?? "", limit = page.Limit + 1 });
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }

    public async Task<int> CountBudgetsAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (int)await connection.ExecuteScalarAsync<long>(RelationalSql.CountBudgets, new { org = organizationId });
    }

    public async Task<PageResult<Budget>> ListAllBudgetsAsync(PageRequest page, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<BudgetRow>(RelationalSql.ListAllBudgets, new { after = page.After ?? "", limit = page.Limit + 1 });
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }

    public async Task<IReadOnlyList<DeviceEnergySum>> SumEnergyAsync(
        string organizationId, EnergySelection selection, DateTimeOffset from, DateTimeOffset to, bool perSlot, CancellationToken cancellationToken = default)
    {
        if (from >= to || selection.DeviceIds is { Count: 0 })
        {
            return [];
        }
        var sql = selection.DeviceIds is not null ? Dialect.SumEnergyOfDevices
            : selection.TagKey is not null ? Dialect.SumEnergyOfTag
            : Dialect.SumEnergyOfOrganization;
        var (fromMs, toMs) = (Ms.Of(from), Ms.Of(to));
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<DeviceEnergySumRow>(sql, new
        {
            org = organizationId,
            from = fromMs,
            to = toMs,
            width = perSlot ? SlotMs : toMs - fromMs,
            devices = selection.DeviceIds is { } ids ? Dialect.IdList(ids) : null,
            tagKey = selection.TagKey,
            tagValue = selection.TagValue,
            minPower = TelemetryLimits.MinPowerW,
            maxPower = TelemetryLimits.MaxPowerW,
            maxStep = TelemetryLimits.MaxEnergyWh,
        });
        return [.. rows.Select(r => new DeviceEnergySum(r.DeviceId, Ms.ToTime(r.Start), r.EnergyWh))];
    }
}

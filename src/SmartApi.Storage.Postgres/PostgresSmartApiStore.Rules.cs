using Dapper;


namespace SmartApi.Storage.Postgres;

public sealed partial class PostgresSmartApiStore
{
    public event EventHandler? RunsQueued;

    public async Task<PageResult<AutomationRun>> ListRunsAsync(string organizationId, string automationId, PageRequest page, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        // Newest first: "~" sorts after every id, so no cursor means from the newest.
        var rows = await connection.QueryAsync<RunRow>(Sql.ListRuns,
            new { org = organizationId, automation = automationId, before = page.After ?? "~", limit = page.Limit + 1 });
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }

    public async Task<AutomationRule?> GetRuleAsync(string automationId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<RuleRow>(Sql.GetRule, new { automation = automationId }))?.ToEntity();
    }

    public async Task<IReadOnlyList<Automation>> ListRuleAutomationsAsync(string kind, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (await connection.QueryAsync<AutomationRow>(Sql.ListRuleAutomations, new { kind })).Select(r => r.ToEntity()).ToList();
    }

    public async Task<IReadOnlyList<AutomationRule>> ListDueSchedulesAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (await connection.QueryAsync<RuleRow>(Sql.ListDueSchedules, new { now = Ms.Of(now), limit })).Select(r => r.ToEntity()).ToList();
    }

    public async Task<IReadOnlyList<PowerTriggerState>> ListDuePowerStatesAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (await connection.QueryAsync<PowerStateRow>(Sql.ListDuePowerStates, new { now = Ms.Of(now), limit })).Select(r => r.ToEntity()).ToList();
    }

    public async Task<IReadOnlyList<ScheduledCommand>> ListDueScheduledCommandsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (await connection.QueryAsync<ScheduledCommandRow>(Sql.ListDueScheduledCommands, new { now = Ms.Of(now), limit }))
            .Select(r => r.ToEntity()).ToList();
    }
}

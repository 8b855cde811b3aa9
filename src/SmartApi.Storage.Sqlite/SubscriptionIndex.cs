using Microsoft.Data.Sqlite;

namespace SmartApi.Storage.Sqlite;

/// <summary>
/// The (organization, event type) pairs that any webhook or engine automation subscribes to, kept by
/// the writer so that an append nothing can match skips the two matching queries (together more
/// than a third of an append's time on the writer). Only a filter: a hit still runs the real query,
/// which checks devices, webhook status and whether the automation is enabled.
/// <para>
/// Correctness rests on the writer being the only connection that writes: every method that changes
/// subscriptions calls <see cref="Invalidate"/> before its statements run, and the writer invalidates
/// again when such a transaction ends or a unit rolls back, so a set loaded from rows that were
/// rolled back never survives. A stale set may only hold extra pairs (a query too many), never miss one.
/// </para>
/// </summary>
internal sealed class SubscriptionIndex
{
    private const string WebhookPairs = "SELECT DISTINCT organization_id, event_type FROM webhook_subscriptions";
    private const string RulePairs = "SELECT DISTINCT organization_id, event_type FROM automation_subscriptions";

    private HashSet<(string Organization, string Type)>? _webhooks;
    private HashSet<(string Organization, string Type)>? _rules;

    public void Invalidate()
    {
        _webhooks = null;
        _rules = null;
    }

    public async ValueTask<bool> MayMatchWebhooksAsync(CommandCache commands, SqliteTransaction transaction, string organizationId, string type) =>
        Matches(_webhooks ??= await LoadAsync(commands, transaction, WebhookPairs), organizationId, type);

    public async ValueTask<bool> MayMatchRulesAsync(CommandCache commands, SqliteTransaction transaction, string organizationId, string type) =>
        Matches(_rules ??= await LoadAsync(commands, transaction, RulePairs), organizationId, type);

    private static bool Matches(HashSet<(string, string)> pairs, string organizationId, string type) =>
        pairs.Count > 0 && (pairs.Contains((organizationId, type)) || pairs.Contains((organizationId, "*")));

    private static async ValueTask<HashSet<(string, string)>> LoadAsync(CommandCache commands, SqliteTransaction transaction, string sql)
    {
        var pairs = new HashSet<(string, string)>();
        await using var reader = await commands.Get(sql, transaction).ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            pairs.Add((reader.GetString(0), reader.GetString(1)));
        }
        return pairs;
    }
}

using Microsoft.Data.Sqlite;
using SmartApi.Storage.Relational.Routing;
using SmartApi.Storage.Routing;

namespace SmartApi.Storage.Sqlite;

/// <summary>
/// The writer's <see cref="SubscriptionSnapshot"/>: what <see cref="EventRouter"/> routes each
/// append with, so an append runs no matching query at all, and one nothing can match costs two
/// dictionary lookups.
/// <para>
/// Correctness rests on the writer being the only connection that writes: every method that changes
/// what routes (subscriptions, rules, automations, webhook status) calls <see cref="Invalidate"/>
/// before its statements run (disabling a webhook: right after the update that disabled it, before
/// anything routes), and the writer invalidates again when such a transaction ends or a
/// unit rolls back, so a snapshot loaded from rows that were rolled back never survives.
/// </para>
/// </summary>
internal sealed class SubscriptionIndex
{
    private SubscriptionSnapshot? _snapshot;

    /// <summary>Scratch lists the single writer routes into, reused by every append.</summary>
    public List<RoutedDelivery> Deliveries { get; } = [];

    /// <inheritdoc cref="Deliveries"/>
    public List<RoutedRun> Runs { get; } = [];

    public void Invalidate() => _snapshot = null;

    public async ValueTask<SubscriptionSnapshot> GetAsync(SqliteTransaction transaction) =>
        _snapshot ??= await SubscriptionSnapshotLoader.LoadAsync(transaction.Connection!, transaction);
}

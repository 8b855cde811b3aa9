namespace SmartApi.Storage;

/// <summary>
/// The storage of the Smart API. Every provider (SQLite, PostgreSQL) implements it and passes the
/// compliance suite. Reads go through the query methods; every change goes through
/// <see cref="WriteAsync{T}"/>, so a change and the events it emits commit together.
/// </summary>
/// <remarks>
/// The surface is grouped by concern: each inherited interface is one concern's reads, and
/// <see cref="IStoreTransaction"/> gathers each concern's writes the same way. A service that only
/// reads one concern depends on that interface; the container resolves each of them to this store.
/// </remarks>
public partial interface ISmartApiStore :
    IStoreAdmin,
    IOrganizationStore,
    IDeviceStore,
    ICommandStore,
    IEventStore,
    IMeasurementStore,
    IAutomationStore,
    IDeliveryStore,
    IIdempotencyStore,
    IPortalSessionStore,
    IConsoleStore,
    ITariffStore,
    IBudgetStore,
    IBrokerAccountStore
{
    /// <summary>
    /// Runs <paramref name="work"/> in one transaction and returns its result once committed.
    /// If it throws, none of its changes are kept and the exception reaches the caller.
    /// Providers may commit several callers' work together (group commit).
    /// </summary>
    Task<T> WriteAsync<T>(Func<IStoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="WriteAsync{T}"/> for work whose caller can wait a few milliseconds more (a delivery's outcome):
    /// instead of a commit of its own, it joins the next commit of prompt work, or commits after a short linger
    /// when none comes. Committed as durably; only later.
    /// </summary>
    Task<T> WriteDeferredAsync<T>(Func<IStoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken = default);

    /// <summary>Raised once after each commit of this node's writer that a background worker may be waiting for (see <see cref="StoreCommit"/>).</summary>
    event Action<StoreCommit>? Committed;
}

/// <summary>The operations available inside one write transaction, grouped by concern like <see cref="ISmartApiStore"/>.</summary>
public partial interface IStoreTransaction :
    IOrganizationTransaction,
    IDeviceTransaction,
    ICommandTransaction,
    IEventTransaction,
    IMeasurementTransaction,
    IAutomationTransaction,
    IAutomationRunTransaction,
    IDeliveryTransaction,
    IIdempotencyTransaction,
    IRetentionTransaction,
    IPortalSessionTransaction,
    IConsoleTransaction,
    ITariffTransaction,
    IBudgetTransaction,
    IBrokerAccountTransaction
{
}

/// <summary>The schema, readiness and fault classification of a store.</summary>
public interface IStoreAdmin
{
    /// <summary>Creates or upgrades the schema. Safe to call on every start.</summary>
    Task MigrateAsync(CancellationToken cancellationToken = default);

    /// <summary>Whether the database answers (readiness).</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken = default);

    /// <summary>Which of this provider's errors are storage faults that may pass (disk full, database unreachable).</summary>
    StorageFaults Faults { get; }

    /// <summary>
    /// Deletes measurements with <c>ts &lt; before</c> (retention). PostgreSQL drops whole daily
    /// partitions and creates the coming days' partitions here too; SQLite deletes in batches.
    /// </summary>
    Task PruneMeasurementsAsync(DateTimeOffset before, CancellationToken cancellationToken = default);
}

/// <summary>Retention inside a write transaction: old events, deliveries, runs and idempotency records.</summary>
public interface IRetentionTransaction
{
    /// <summary>
    /// Deletes up to <paramref name="batchSize"/> finished deliveries (with their attempts) and up to
    /// as many events created before <paramref name="before"/>; an event with a pending delivery is
    /// kept until it is delivered or fails. Returns how many rows went.
    /// </summary>
    ValueTask<int> PruneAsync(DateTimeOffset before, int batchSize);

    /// <summary>Deletes up to <paramref name="batchSize"/> finished runs created before <paramref name="before"/>.</summary>
    ValueTask<int> PruneRunsAsync(DateTimeOffset before, int batchSize);

    /// <summary>Deletes records created before <paramref name="before"/>, at most <paramref name="batchSize"/>.</summary>
    ValueTask<int> PruneIdempotencyKeysAsync(DateTimeOffset before, int batchSize);

    // One organization's own retention (ADR 045): each bounded by an index that starts with the
    // organization (or its devices), so an organization with nothing due costs a few index probes.

    /// <summary>Deletes up to <paramref name="batchSize"/> of the organization's finished deliveries (with their attempts) created before <paramref name="before"/>.</summary>
    ValueTask<int> PruneOrganizationDeliveriesAsync(string organizationId, DateTimeOffset before, int batchSize);

    /// <summary>Deletes up to <paramref name="batchSize"/> of the organization's events created before <paramref name="before"/> that have no pending delivery.</summary>
    ValueTask<int> PruneOrganizationEventsAsync(string organizationId, DateTimeOffset before, int batchSize);

    /// <summary>Deletes up to <paramref name="batchSize"/> of the organization's finished runs created before <paramref name="before"/>.</summary>
    ValueTask<int> PruneOrganizationRunsAsync(string organizationId, DateTimeOffset before, int batchSize);

    /// <summary>Deletes up to <paramref name="batchSize"/> of the measurements of the organization's devices taken before <paramref name="before"/>.</summary>
    ValueTask<int> PruneOrganizationMeasurementsAsync(string organizationId, DateTimeOffset before, int batchSize);

    /// <summary>Deletes up to <paramref name="batchSize"/> energy rollup rows (15-minute slots and hours) of the organization's devices that start before <paramref name="before"/>.</summary>
    ValueTask<int> PruneOrganizationRollupsAsync(string organizationId, DateTimeOffset before, int batchSize);
}

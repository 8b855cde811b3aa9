namespace SmartApi.Storage;

/// <summary>
/// The storage of the Smart API. Every provider (SQLite, PostgreSQL) implements it and passes the
/// compliance suite. Reads go through the query methods; every change goes through
/// <see cref="WriteAsync{T}"/>, so a change and the events it emits commit together.
/// </summary>
public partial interface ISmartApiStore
{
    /// <summary>Creates or upgrades the schema. Safe to call on every start.</summary>
    Task MigrateAsync(CancellationToken cancellationToken = default);

    /// <summary>Whether the database answers (readiness).</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken = default);

    /// <summary>Which of this provider's errors are storage faults that may pass (disk full, database unreachable).</summary>
    StorageFaults Faults { get; }

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction and returns its result once committed.
    /// If it throws, none of its changes are kept and the exception reaches the caller.
    /// Providers may commit several callers' work together (group commit).
    /// </summary>
    Task<T> WriteAsync<T>(Func<IStoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken = default);

    /// <summary>Raised once after each commit of this node's writer that a background worker may be waiting for (see <see cref="StoreCommit"/>).</summary>
    event Action<StoreCommit>? Committed;

    Task<Organization?> GetOrganizationAsync(string id, CancellationToken cancellationToken = default);
    Task<PageResult<Organization>> ListOrganizationsAsync(PageRequest page, CancellationToken cancellationToken = default);

    /// <summary>How many devices, automations and webhooks (not removed ones) the organization holds.</summary>
    Task<OrganizationUsage> GetOrganizationUsageAsync(string organizationId, CancellationToken cancellationToken = default);

    Task<bool> AnyApiKeyAsync(CancellationToken cancellationToken = default);
    Task<ApiKey?> FindApiKeyByHashAsync(byte[] hash, CancellationToken cancellationToken = default);
    Task<ApiKey?> GetApiKeyAsync(string organizationId, string id, CancellationToken cancellationToken = default);
    Task<PageResult<ApiKey>> ListApiKeysAsync(string organizationId, PageRequest page, CancellationToken cancellationToken = default);

    Task<Device?> GetDeviceAsync(string organizationId, string id, CancellationToken cancellationToken = default);
    Task<Device?> FindDeviceBySerialAsync(string organizationId, string serial, CancellationToken cancellationToken = default);
    Task<PageResult<Device>> ListDevicesAsync(string organizationId, DeviceFilter filter, PageRequest page, CancellationToken cancellationToken = default);

    Task<Command?> GetCommandAsync(string organizationId, string deviceId, string id, CancellationToken cancellationToken = default);
    Task<PageResult<Command>> ListCommandsAsync(string organizationId, string deviceId, PageRequest page, CancellationToken cancellationToken = default);

    Task<StoredEvent?> GetEventAsync(string organizationId, string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Events in log order strictly after the cursor (an event id). Never skips an event that a
    /// later call could return before the cursor, even while other transactions append.
    /// </summary>
    Task<PageResult<StoredEvent>> ListEventsAsync(string organizationId, EventFilter filter, PageRequest page, CancellationToken cancellationToken = default);

    /// <summary>Raw samples with <c>from &lt;= ts &lt; to</c>, in time order, after the cursor (a timestamp in unix milliseconds).</summary>
    Task<PageResult<Measurement>> ListMeasurementsAsync(string deviceId, DateTimeOffset from, DateTimeOffset to, PageRequest page, CancellationToken cancellationToken = default);

    /// <summary>Buckets of <paramref name="bucket"/> length aligned to the unix epoch, with <c>from &lt;= start &lt; to</c>; empty buckets are left out.</summary>
    Task<IReadOnlyList<MeasurementBucket>> AggregateMeasurementsAsync(string deviceId, DateTimeOffset from, DateTimeOffset to, TimeSpan bucket, CancellationToken cancellationToken = default);
}

/// <summary>The operations available inside one write transaction.</summary>
public partial interface IStoreTransaction
{
    ValueTask InsertOrganizationAsync(Organization organization);
    /// <summary>False when there is no such organization.</summary>
    ValueTask<bool> RenameOrganizationAsync(string id, string name);
    /// <summary>Replaces the organization's limits (null or empty: the server's defaults); false when there is no such organization.</summary>
    ValueTask<bool> SetOrganizationLimitsAsync(string id, OrganizationLimitOverrides? limits);

    ValueTask InsertApiKeyAsync(ApiKey key);
    ValueTask<bool> RevokeApiKeyAsync(string organizationId, string id, DateTimeOffset at);

    /// <summary>Records key use; a key's stored value only moves forward, and only by at least <paramref name="granularity"/>.</summary>
    ValueTask TouchApiKeysAsync(IReadOnlyList<(string Id, DateTimeOffset UsedAt)> uses, TimeSpan granularity);

    /// <exception cref="DuplicateKeyException">The serial is already used, in any organization (serials are unique across organizations).</exception>
    ValueTask InsertDeviceAsync(Device device);
    ValueTask<Device?> GetDeviceAsync(string organizationId, string id);
    /// <summary>
    /// Updates a device. It also takes the device's next event sequence number, which the next
    /// <see cref="AppendEventAsync"/> for that device in the same unit of work uses: a change and
    /// its event cost one row update. (An update without an event leaves a gap in the sequence.)
    /// </summary>
    ValueTask UpdateDeviceAsync(Device device);
    ValueTask<bool> DeleteDeviceAsync(string organizationId, string id);

    /// <summary>
    /// Appends an event; for device events it allocates the device's next sequence number. In the
    /// same transaction it queues a delivery for every matching webhook (the outbox) and a run for
    /// every matching engine automation. Its position and sequence are known once the unit has
    /// committed (read the event back then): a provider may write a unit's appends, and those of
    /// the units committed with it, in one statement just before the commit.
    /// </summary>
    ValueTask AppendEventAsync(NewEvent newEvent);

    ValueTask InsertCommandAsync(Command command);

    ValueTask<EnergyState?> GetEnergyStateAsync(string deviceId);
    ValueTask InsertMeasurementsAsync(IReadOnlyList<MeasurementRow> rows);
    /// <summary>
    /// Stores a device's energy state, but only while its stored latest sample is still at
    /// <paramref name="expectedLatestTs"/> (null: none yet): false when another writer has moved it
    /// on (another node ingested for the device) or the device is gone, and nothing is changed.
    /// </summary>
    ValueTask<bool> SetEnergyStateAsync(string deviceId, double totalWh, double? lastCounterWh, Measurement latest, DateTimeOffset? expectedLatestTs);
}

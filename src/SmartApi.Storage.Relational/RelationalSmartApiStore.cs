using System.Data.Common;
using System.Globalization;
using Dapper;

namespace SmartApi.Storage.Relational;

/// <summary>
/// What the SQLite and PostgreSQL stores share: every read whose logic is the same on both, by
/// Dapper on a pooled connection, with the statements of <see cref="RelationalSql"/> and the
/// provider's <see cref="SqlDialect"/>. A provider adds its connections, its group-commit writer
/// and migrations, and overrides a read only where it keeps a faster path of its own.
/// </summary>
public abstract partial class RelationalSmartApiStore : IAsyncDisposable
{
    private int _disposed;

    static RelationalSmartApiStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    private protected RelationalSmartApiStore(SqlDialect dialect, StorageFaults faults)
    {
        Dialect = dialect;
        Faults = faults;
    }

    /// <summary>Which of this provider's errors are storage faults that may pass.</summary>
    public StorageFaults Faults { get; }

    private protected SqlDialect Dialect { get; }

    public event Action<StoreCommit>? Committed;

    /// <summary>The engine this store's writer hands the deliveries it queues to, if one is registered.</summary>
    private protected DeliveryHandOff HandOff { get; } = new();

    public IDisposable LeaseQueuedDeliveries(string owner, TimeSpan lease, Action<IReadOnlyList<ClaimedDelivery>> dispatch, Func<bool>? hasRoom = null) =>
        HandOff.Register(owner, lease, dispatch, hasRoom ?? (static () => true));

    /// <summary>Hands a commit to the subscribers; the provider's writer calls it (see <see cref="StoreCommit"/>).</summary>
    private protected void Publish(StoreCommit commit) => Committed?.Invoke(commit);

    /// <summary>An open connection for one read, returned to its pool on dispose.</summary>
    private protected abstract Task<DbConnection> OpenReadConnectionAsync(CancellationToken cancellationToken);

    /// <summary>Called before a read of measurements or energy rollups: a provider that stores telemetry elsewhere first moves it there.</summary>
    private protected virtual ValueTask ReadingTelemetryAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Stops the writer (units already queued still commit), then closes the connections.</summary>
    private protected abstract ValueTask DisposeResourcesAsync();

    public async ValueTask DisposeAsync()
    {
        // Containers may dispose one instance under two registrations (the store and its interface).
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await DisposeResourcesAsync();
        }
        GC.SuppressFinalize(this);
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return Convert.ToInt64(await connection.ExecuteScalarAsync("SELECT 1"), CultureInfo.InvariantCulture) == 1;
    }

    public async Task<Organization?> GetOrganizationAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<OrganizationRow>(RelationalSql.GetOrganization, new { id }))?.ToEntity();
    }

    public async Task<IReadOnlyList<(string Id, OrganizationRetention Retention)>> ListOrganizationRetentionsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<OrganizationRow>(RelationalSql.ListOrganizationRetentions);
        return rows.Select(r => (r.Id, r.Retention)).ToList();
    }

    public async Task<PageResult<Organization>> ListOrganizationsAsync(PageRequest page, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<OrganizationRow>(RelationalSql.ListOrganizations, new { after = page.After ?? "", limit = page.Limit + 1 });
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }

    public async Task<OrganizationUsage> GetOrganizationUsageAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QuerySingleAsync<OrganizationUsageRow>(RelationalSql.OrganizationUsage, new { org = organizationId })).ToEntity();
    }

    public async Task<bool> AnyApiKeyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(RelationalSql.AnyApiKey);
    }

    public virtual async Task<ApiKey?> FindApiKeyByHashAsync(byte[] hash, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<ApiKeyRow>(RelationalSql.FindApiKeyByHash, new { hash }))?.ToEntity();
    }

    public async Task<ApiKey?> GetApiKeyAsync(string organizationId, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<ApiKeyRow>(RelationalSql.GetApiKey, new { org = organizationId, id }))?.ToEntity();
    }

    public async Task<PageResult<ApiKey>> ListApiKeysAsync(string organizationId, PageRequest page, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ApiKeyRow>(RelationalSql.ListApiKeys, new { org = organizationId, after = page.After ?? "", limit = page.Limit + 1 });
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }

    public virtual async Task<Device?> GetDeviceAsync(string organizationId, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<DeviceRow>(Dialect.GetDevice, new { org = organizationId, id }))?.ToEntity();
    }

    public async Task<IReadOnlyList<Device>> GetDevicesAsync(string organizationId, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        if (ids.Count == 0)
        {
            return [];
        }
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return [.. (await connection.QueryAsync<DeviceRow>(Dialect.GetDevices, new { org = organizationId, ids = Dialect.IdList(ids) })).Select(r => r.ToEntity())];
    }

    public async Task<Device?> FindDeviceBySerialAsync(string organizationId, string serial, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<DeviceRow>(Dialect.FindDeviceBySerial, new { org = organizationId, serial }))?.ToEntity();
    }

    public async Task<PageResult<Device>> ListDevicesAsync(string organizationId, DeviceFilter filter, PageRequest page, CancellationToken cancellationToken = default)
    {
        var sql = Dialect.ListDevices + DeviceFilterSql(filter) + RelationalSql.OrderByIdLimit;
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<DeviceRow>(sql, new
        {
            org = organizationId,
            after = page.After ?? "",
            limit = page.Limit + 1,
            online = filter.Online,
            tagKey = filter.TagKey,
            tagValue = filter.TagValue,
        });
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }

    public async Task<long> CountDevicesAsync(string organizationId, DeviceFilter filter, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(RelationalSql.CountDevices + DeviceFilterSql(filter), new
        {
            org = organizationId,
            online = filter.Online,
            tagKey = filter.TagKey,
            tagValue = filter.TagValue,
        });
    }

    /// <summary>The list's and the count's filter conditions (after a WHERE on the organization).</summary>
    private string DeviceFilterSql(DeviceFilter filter) =>
        (filter.Online is null ? "" : RelationalSql.OnlineFilter) +
        (filter.TagKey is null ? "" : filter.TagValue is null ? Dialect.TagPresentFilter : Dialect.TagFilter);

    public virtual async Task<IReadOnlyList<Device>> FindDevicesBySerialAsync(string serial, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return [.. (await connection.QueryAsync<DeviceRow>(Dialect.FindDevicesBySerial, new { serial })).Select(r => r.ToEntity())];
    }

    public async Task<IReadOnlyList<DeviceRef>> ListOnlineDevicesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return [.. (await connection.QueryAsync<DeviceRefRow>(Dialect.ListOnlineDevices)).Select(r => new DeviceRef(r.Id, r.OrganizationId))];
    }

    public async Task<DateTimeOffset?> GetLastEnergyReportAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return Ms.ToTime(await connection.ExecuteScalarAsync<long?>(RelationalSql.LastEnergyReport));
    }

    public async Task<Command?> GetCommandAsync(string organizationId, string deviceId, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<CommandRow>(RelationalSql.GetCommand, new { org = organizationId, device = deviceId, id }))?.ToEntity();
    }

    public async Task<PageResult<Command>> ListCommandsAsync(string organizationId, string deviceId, PageRequest page, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<CommandRow>(RelationalSql.ListCommands,
            new { org = organizationId, device = deviceId, after = page.After ?? "", limit = page.Limit + 1 });
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }

    public virtual async Task<StoredEvent?> GetEventAsync(string organizationId, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<EventRow>(RelationalSql.GetEvent, new { org = organizationId, id }))?.ToEntity();
    }

    public virtual async Task<string?> GetLatestEventIdAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<string?>(RelationalSql.LatestEventId, new { org = organizationId });
    }

    public virtual async Task<PageResult<StoredEvent>> ListEventsAsync(string organizationId, EventFilter filter, PageRequest page, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        var after = EventListStart(filter);
        if (page.After is not null)
        {
            after = await connection.ExecuteScalarAsync<long?>(RelationalSql.EventPosition, new { org = organizationId, id = page.After })
                ?? throw new InvalidCursorException(page.After);
        }
        // Gap-free: positions are handed out in commit order (how is the provider's: one writer on
        // SQLite, the locked event_log row on PostgreSQL), and a statement sees a prefix of the commits.
        var rows = await connection.QueryAsync<EventRow>(ListEventsSql(filter), new
        {
            org = organizationId,
            after,
            device = filter.DeviceId,
            types = filter.Types is { Count: > 0 } types ? Dialect.IdList(types) : null,
            limit = page.Limit + 1,
        });
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }

    /// <summary>The position a list starts from when no cursor is given: before all events, or after them when newest first.</summary>
    private protected static long EventListStart(EventFilter filter) => filter.NewestFirst ? long.MaxValue : 0;

    private protected string ListEventsSql(EventFilter filter)
    {
        var sql = filter.NewestFirst ? RelationalSql.ListEventsBefore : RelationalSql.ListEvents;
        if (filter.DeviceId is not null)
        {
            sql += RelationalSql.EventDeviceFilter;
        }
        if (filter.Types is { Count: > 0 })
        {
            sql += Dialect.EventTypeFilter;
        }
        return sql + (filter.NewestFirst ? RelationalSql.OrderByPositionDescLimit : RelationalSql.OrderByPositionLimit);
    }

    public async Task<PageResult<Measurement>> ListMeasurementsAsync(string deviceId, DateTimeOffset from, DateTimeOffset to, PageRequest page, CancellationToken cancellationToken = default)
    {
        long after = long.MinValue;
        if (page.After is not null && !long.TryParse(page.After, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out after))
        {
            throw new InvalidCursorException(page.After);
        }
        if (after == long.MaxValue)
        {
            return PageResult.From(Array.Empty<Measurement>(), page.Limit);
        }
        await ReadingTelemetryAsync(cancellationToken);
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<MeasurementRowData>(RelationalSql.ListMeasurements,
            new { device = deviceId, from = Math.Max(Ms.Of(from), after + 1), to = Ms.Of(to), limit = page.Limit + 1 });
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }

    public async Task<IReadOnlyList<MeasurementBucket>> AggregateMeasurementsAsync(string deviceId, DateTimeOffset from, DateTimeOffset to, TimeSpan bucket, CancellationToken cancellationToken = default)
    {
        await ReadingTelemetryAsync(cancellationToken);
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<BucketRow>(Dialect.AggregateMeasurements,
            new
            {
                device = deviceId, from = Ms.Of(from), to = Ms.Of(to), bucket = (long)bucket.TotalMilliseconds,
                minPower = TelemetryLimits.MinPowerW, maxPower = TelemetryLimits.MaxPowerW, maxStep = TelemetryLimits.MaxEnergyWh,
            });
        return rows.Select(r => r.ToEntity()).ToList();
    }

    public async Task<IdempotencyRecord?> GetIdempotencyRecordAsync(string apiKeyId, string key, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<IdempotencyRow>(RelationalSql.GetIdempotencyRecord, new { apiKey = apiKeyId, key }))?.ToEntity();
    }
}

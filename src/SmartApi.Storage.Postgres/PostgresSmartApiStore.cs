using System.Globalization;
using Dapper;
using Npgsql;

namespace SmartApi.Storage.Postgres;

/// <summary>
/// The PostgreSQL store, for several server nodes sharing one database. Write units are committed
/// in batches by <see cref="PostgresWriter"/> (group commit: appends are serialized cluster-wide by
/// the position lock, so a transaction per unit caps throughput); reads use pooled connections. Statements are
/// prepared automatically by Npgsql (<c>Max Auto Prepare</c>), which keeps Dapper's per-call
/// commands from being parsed and planned again on every call.
/// </summary>
public sealed partial class PostgresSmartApiStore : ISmartApiStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresStorageOptions _options;
    private readonly TimeProvider _time;
    private readonly IdGenerator _ids;
    private readonly PostgresWriter _writer;
    private readonly DeliveryLeasing _leasing = new();
    private readonly PostgresStorageFaults _faults = new();
    private int _disposed;

    static PostgresSmartApiStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    public PostgresSmartApiStore(PostgresStorageOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _ids = new IdGenerator(time);
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 64;
        }
        _dataSource = NpgsqlDataSource.Create(builder);
        _writer = new PostgresWriter(_dataSource, options.Writers, options.MaxBatchSize, _ids, _leasing, time,
            () => DeliveriesQueued?.Invoke(this, EventArgs.Empty), () => EventsAppended?.Invoke(this, EventArgs.Empty),
            () => RunsQueued?.Invoke(this, EventArgs.Empty), () => CommandsQueued?.Invoke(this, EventArgs.Empty), _faults);
    }

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await Migrator.MigrateAsync(connection, _time, cancellationToken);
        await Partitions.EnsureAsync(connection, _time.GetUtcNow(), _options.PartitionDaysAhead, cancellationToken);
    }

    public StorageFaults Faults => _faults;

    public async Task<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>("SELECT 1") == 1;
    }

    public IDisposable LeaseQueuedDeliveries(string owner, TimeSpan lease, Action<IReadOnlyList<ClaimedDelivery>> dispatch) =>
        _leasing.Register(owner, lease, dispatch);

    // Group commit (PostgresWriter): the position lock and the commit fsync are paid per batch.
    public Task<T> WriteAsync<T>(Func<IStoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken = default) =>
        _writer.EnqueueAsync(work, cancellationToken);

    public async Task<Organization?> GetOrganizationAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<OrganizationRow>(Sql.GetOrganization, new { id }))?.ToEntity();
    }

    public async Task<PageResult<Organization>> ListOrganizationsAsync(PageRequest page, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<OrganizationRow>(Sql.ListOrganizations, new { after = page.After ?? "", limit = page.Limit + 1 });
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }

    public async Task<OrganizationUsage> GetOrganizationUsageAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (await connection.QuerySingleAsync<OrganizationUsageRow>(Sql.OrganizationUsage, new { org = organizationId })).ToEntity();
    }

    public async Task<bool> AnyApiKeyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(Sql.AnyApiKey);
    }

    public async Task<ApiKey?> FindApiKeyByHashAsync(byte[] hash, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<ApiKeyRow>(Sql.FindApiKeyByHash, new { hash }))?.ToEntity();
    }

    public async Task<ApiKey?> GetApiKeyAsync(string organizationId, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<ApiKeyRow>(Sql.GetApiKey, new { org = organizationId, id }))?.ToEntity();
    }

    public async Task<PageResult<ApiKey>> ListApiKeysAsync(string organizationId, PageRequest page, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<ApiKeyRow>(Sql.ListApiKeys, new { org = organizationId, after = page.After ?? "", limit = page.Limit + 1 });
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }

    public async Task<Device?> GetDeviceAsync(string organizationId, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<DeviceRow>(Sql.GetDevice, new { org = organizationId, id }))?.ToEntity();
    }

    public async Task<Device?> FindDeviceBySerialAsync(string organizationId, string serial, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<DeviceRow>(Sql.FindDeviceBySerial, new { org = organizationId, serial }))?.ToEntity();
    }

    public async Task<PageResult<Device>> ListDevicesAsync(string organizationId, DeviceFilter filter, PageRequest page, CancellationToken cancellationToken = default)
    {
        var sql = Sql.ListDevices;
        if (filter.Online is not null)
        {
            sql += Sql.OnlineFilter;
        }
        if (filter.TagKey is not null)
        {
            sql += filter.TagValue is null ? Sql.TagPresentFilter : Sql.TagFilter;
        }
        sql += Sql.OrderByIdLimit;
        await using var connection = await OpenAsync(cancellationToken);
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

    public async Task<Command?> GetCommandAsync(string organizationId, string deviceId, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<CommandRow>(Sql.GetCommand, new { org = organizationId, device = deviceId, id }))?.ToEntity();
    }

    public async Task<PageResult<Command>> ListCommandsAsync(string organizationId, string deviceId, PageRequest page, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<CommandRow>(Sql.ListCommands, new { org = organizationId, device = deviceId, after = page.After ?? "", limit = page.Limit + 1 });
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }

    public async Task<StoredEvent?> GetEventAsync(string organizationId, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<EventRow>(Sql.GetEvent, new { org = organizationId, id }))?.ToEntity();
    }

    /// <summary>Raised after a commit on this node that appended events; streams on other nodes find them by their poll.</summary>
    public event EventHandler? EventsAppended;

    public async Task<string?> GetLatestEventIdAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<string?>(Sql.LatestEventId, new { org = organizationId });
    }

    public async Task<PageResult<StoredEvent>> ListEventsAsync(string organizationId, EventFilter filter, PageRequest page, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        long after = 0;
        if (page.After is not null)
        {
            after = await connection.ExecuteScalarAsync<long?>(Sql.EventPosition, new { org = organizationId, id = page.After })
                ?? throw new InvalidCursorException(page.After);
        }
        var sql = Sql.ListEvents;
        if (filter.DeviceId is not null)
        {
            sql += Sql.EventDeviceFilter;
        }
        if (filter.Types is { Count: > 0 })
        {
            sql += Sql.EventTypeFilter;
        }
        sql += Sql.OrderByPositionLimit;
        // Gap-free without a horizon: positions are handed out in commit order (the event_log row
        // stays locked until the appender commits), and a statement sees a prefix of the commits.
        var rows = await connection.QueryAsync<EventRow>(sql, new
        {
            org = organizationId,
            after,
            device = filter.DeviceId,
            types = filter.Types?.ToArray(),
            limit = page.Limit + 1,
        });
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }

    public async Task<PageResult<Measurement>> ListMeasurementsAsync(string deviceId, DateTimeOffset from, DateTimeOffset to, PageRequest page, CancellationToken cancellationToken = default)
    {
        long after = long.MinValue;
        if (page.After is not null && !long.TryParse(page.After, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out after))
        {
            throw new InvalidCursorException(page.After);
        }
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<MeasurementRowData>(Sql.ListMeasurements,
            new { device = deviceId, from = Ms.Of(from), to = Ms.Of(to), after, limit = page.Limit + 1 });
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }

    public async Task<IReadOnlyList<MeasurementBucket>> AggregateMeasurementsAsync(string deviceId, DateTimeOffset from, DateTimeOffset to, TimeSpan bucket, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<BucketRow>(Sql.AggregateMeasurements,
            new
            {
                device = deviceId, from = Ms.Of(from), to = Ms.Of(to), bucket = (long)bucket.TotalMilliseconds,
                minPower = TelemetryLimits.MinPowerW, maxPower = TelemetryLimits.MaxPowerW, maxStep = TelemetryLimits.MaxEnergyWh,
            });
        return rows.Select(r => r.ToEntity()).ToList();
    }

    public async Task PruneMeasurementsAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await Partitions.PruneAsync(connection, before, cancellationToken);
        // Retention runs every few minutes on every node: the natural place to create days ahead.
        await Partitions.EnsureAsync(connection, _time.GetUtcNow(), _options.PartitionDaysAhead, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        // Containers may dispose one instance under two registrations (the store and its interface).
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        // Units already queued still commit; then the connections go.
        await _writer.DisposeAsync();
        await _dataSource.DisposeAsync();
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);
}

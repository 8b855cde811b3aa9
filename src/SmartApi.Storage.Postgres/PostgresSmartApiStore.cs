using System.Globalization;
using Dapper;
using Npgsql;
using SmartApi.Storage.Sqlite;

namespace SmartApi.Storage.Postgres;

/// <summary>
/// The PostgreSQL store, for several server nodes sharing one database. Each write unit runs in its
/// own transaction on a pooled connection (PostgreSQL handles concurrent writers itself, so there is
/// no single writer or group commit here); reads use pooled connections too. Statements are
/// prepared automatically by Npgsql (<c>Max Auto Prepare</c>), which keeps Dapper's per-call
/// commands from being parsed and planned again on every call.
/// </summary>
public sealed partial class PostgresSmartApiStore : ISmartApiStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresStorageOptions _options;
    private readonly TimeProvider _time;
    private readonly IdGenerator _ids;
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
    }

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await Migrator.MigrateAsync(connection, _time, cancellationToken);
        await Partitions.EnsureAsync(connection, _time.GetUtcNow(), _options.PartitionDaysAhead, cancellationToken);
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>("SELECT 1") == 1;
    }

    public async Task<T> WriteAsync<T>(Func<IStoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var unit = new PostgresStoreTransaction(connection, transaction, _ids);
            try
            {
                var result = await work(unit);
                // Once the work is done it commits whatever the token says: the caller learns the outcome.
                await transaction.CommitAsync(CancellationToken.None);
                if (unit.QueuedDeliveries > 0)
                {
                    DeliveriesQueued?.Invoke(this, EventArgs.Empty);
                }
                if (unit.QueuedRuns > 0)
                {
                    RunsQueued?.Invoke(this, EventArgs.Empty);
                }
                if (unit.InsertedCommands)
                {
                    CommandsQueued?.Invoke(this, EventArgs.Empty);
                }
                if (unit.AppendedEvents > 0)
                {
                    EventsAppended?.Invoke(this, EventArgs.Empty);
                }
                return result;
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure && attempt < 5)
            {
                // Two units locked rows in opposite orders (a device and the event log, say); one
                // was chosen to fail. Units are re-runnable (they compute from what they read), so
                // it runs again from the start in a new transaction.
            }
        }
    }

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
            new { device = deviceId, from = Ms.Of(from), to = Ms.Of(to), bucket = (long)bucket.TotalMilliseconds });
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
        await _dataSource.DisposeAsync();
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);
}

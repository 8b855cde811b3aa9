using System.Globalization;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;

namespace SmartApi.Storage.Sqlite;

/// <summary>
/// The embedded SQLite store: WAL mode so readers never block the writer, one writer connection
/// with group commit (<see cref="SqliteWriter"/>), and pooled reader connections.
/// </summary>
public sealed partial class SqliteSmartApiStore : ISmartApiStore, IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly SqliteStorageOptions _options;
    private readonly TimeProvider _time;
    private readonly ReaderPool _readers;
    private SqliteConnection? _writerConnection;
    private SqliteWriter? _writer;
    private Checkpointer? _checkpointer;
    private readonly SqliteStorageFaults _faults = new();
    private int _disposed;

    static SqliteSmartApiStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    public SqliteSmartApiStore(SqliteStorageOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        var builder = new SqliteConnectionStringBuilder(options.ConnectionString) { Pooling = true };
        if (builder.DataSource is { Length: > 0 } path && builder.Mode != SqliteOpenMode.Memory && !path.StartsWith(':'))
        {
            // Owner-only from the first byte: SQLite creates the -wal and -shm files with the
            // database file's mode, so creating that file 0600 here covers all three.
            var file = Path.GetFullPath(path);
            OwnerOnlyFiles.CreateDirectory(Path.GetDirectoryName(file)!);
            OwnerOnlyFiles.CreateFile(file);
        }
        _connectionString = builder.ToString();
        _readers = new ReaderPool(_connectionString, maxIdle: 2 * Environment.ProcessorCount + 4);
    }

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await connection.ExecuteAsync(Sql.Pragmas);
            await Migrator.MigrateAsync(connection, _time, cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        if (_writer is not null)
        {
            // Migrated again: the running writer stays; a second one would never be disposed.
            await connection.DisposeAsync();
            return;
        }
        _writerConnection = connection;
        _writer = new SqliteWriter(connection, _options.MaxBatchSize, new IdGenerator(_time), () => DeliveriesQueued?.Invoke(this, EventArgs.Empty),
            () => EventsAppended?.Invoke(this, EventArgs.Empty),
            () => RunsQueued?.Invoke(this, EventArgs.Empty),
            () => CommandsQueued?.Invoke(this, EventArgs.Empty), _faults);
        _checkpointer = new Checkpointer(_connectionString, _writer.RequestCheckpoint, _options.WalRewindBytes);
    }

    /// <summary>How often the writer's checkpoint let the WAL start over (tests, diagnostics).</summary>
    internal int WalRewinds => _writer?.Rewinds ?? 0;

    public StorageFaults Faults => _faults;

    public async Task<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>("SELECT 1") == 1;
    }

    public Task<T> WriteAsync<T>(Func<IStoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken = default) =>
        (_writer ?? throw new InvalidOperationException("Call MigrateAsync before writing.")).EnqueueAsync(work, cancellationToken);

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
        using var reader = await _readers.RentAsync(cancellationToken);
        return (await reader.Command(Sql.FindApiKeyByHash).With("@hash", hash).SingleOrDefaultAsync<ApiKeyRow>())?.ToEntity();
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
        using var reader = await _readers.RentAsync(cancellationToken);
        return (await reader.Command(Sql.GetDevice).With("@org", organizationId).With("@id", id).SingleOrDefaultAsync<DeviceRow>())?.ToEntity();
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
        using var reader = await _readers.RentAsync(cancellationToken);
        return (await reader.Command(Sql.GetEvent).With("@org", organizationId).With("@id", id).SingleOrDefaultAsync<EventRow>())?.ToEntity();
    }

    public async Task<PageResult<StoredEvent>> ListEventsAsync(string organizationId, EventFilter filter, PageRequest page, CancellationToken cancellationToken = default)
    {
        using var reader = await _readers.RentAsync(cancellationToken);
        long after = 0;
        if (page.After is not null)
        {
            after = await reader.Command(Sql.EventPosition).With("@org", organizationId).With("@id", page.After).ScalarAsync<long?>()
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
        // Gap-free by construction: one writer assigns positions in commit order, and a WAL reader
        // sees a prefix of the commits, so no later position is visible before an earlier one.
        var rows = await reader.Command(sql)
            .With("@org", organizationId)
            .With("@after", after)
            .With("@device", filter.DeviceId)
            .With("@types", filter.Types is { Count: > 0 } types ? JsonSerializer.Serialize(types, StorageJsonContext.Default.IReadOnlyListString) : null)
            .With("@limit", page.Limit + 1)
            .ListAsync<EventRow>();
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

    public async ValueTask DisposeAsync()
    {
        // Containers may dispose one instance under two registrations (the store and its interface).
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _readers.Dispose();
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
        }
        if (_checkpointer is not null)
        {
            await _checkpointer.DisposeAsync();
        }
        if (_writerConnection is not null)
        {
            await _writerConnection.DisposeAsync();
        }
        // Pooled connections would keep the file open after the store is gone.
        using var pooled = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(pooled);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}

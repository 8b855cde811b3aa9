using System.Data.Common;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;

namespace SmartApi.Storage.Sqlite;

/// <summary>
/// The embedded SQLite store: WAL mode so readers never block the writer, one writer connection
/// with group commit (<see cref="SqliteWriter"/>), and pooled reader connections.
/// </summary>
public sealed partial class SqliteSmartApiStore : RelationalSmartApiStore, ISmartApiStore
{
    private readonly string _connectionString;
    private readonly SqliteStorageOptions _options;
    private readonly TimeProvider _time;
    private readonly ReaderPool _readers;
    private SqliteConnection? _writerConnection;
    private SqliteWriter? _writer;
    private Checkpointer? _checkpointer;
    private readonly MeasurementInbox _inbox;

    public SqliteSmartApiStore(SqliteStorageOptions options, TimeProvider time)
        : base(SqliteDialect.Instance, new SqliteStorageFaults())
    {
        _options = options;
        _time = time;
        _inbox = new MeasurementInbox(options.MeasurementFoldAt);
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
        // One node: no engine has run on this store yet, so every lease left was held by a process
        // that died (kill -9 mid-delivery). Due now, not when the lease would have lapsed.
        await connection.ExecuteAsync(Sql.ReleaseDeliveryLeases);
        // What a crash left in the inboxes: folded before anything reads measurements or rollups.
        await connection.ExecuteAsync(Sql.FoldMeasurementInbox);
        _writerConnection = connection;
        _writer = new SqliteWriter(connection, _options.MaxBatchSize, new IdGenerator(_time), HandOff, _time, Publish, Faults, _inbox);
        _checkpointer = new Checkpointer(_connectionString, _writer.RequestCheckpoint, () => _writer.Commits, _options.WalRewindBytes);
    }

    /// <summary>How often the writer's checkpoint let the WAL start over (tests, diagnostics).</summary>
    internal int WalRewinds => _writer?.Rewinds ?? 0;

    public Task<T> WriteAsync<T>(Func<IStoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken = default) =>
        Writer.EnqueueAsync(work, cancellationToken);

    public Task<T> WriteDeferredAsync<T>(Func<IStoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken = default) =>
        Writer.EnqueueAsync(work, cancellationToken, deferred: true);

    // Every sample acknowledged before the read is in measurements and the rollups once this returns (see MeasurementInbox),
    // unless writes fail (disk full): reads go on then, without what is still in the inboxes until a fold commits.
    private protected override async ValueTask ReadingTelemetryAsync(CancellationToken cancellationToken)
    {
        if (_inbox.IsFolded)
        {
            return;
        }
        try
        {
            _inbox.Folded(await WriteAsync(tx => ValueTask.FromResult(((SqliteStoreTransaction)tx).FoldMeasurementInbox()), cancellationToken));
        }
        catch (Exception ex) when (Faults.IsUnavailable(ex))
        {
        }
    }

    private SqliteWriter Writer => _writer ?? throw new InvalidOperationException("Call MigrateAsync before writing.");

    // The reads below run on every request, message or stream poll: they take a pooled reader
    // whose prepared statements are kept (see CommandCache), where Dapper would compile the
    // statement again per call. Every other read is the base class's Dapper query.

    public override async Task<ApiKey?> FindApiKeyByHashAsync(byte[] hash, CancellationToken cancellationToken = default)
    {
        using var reader = await _readers.RentAsync(cancellationToken);
        return (await reader.Command(Sql.FindApiKeyByHash).With("@hash", hash).SingleOrDefaultAsync<ApiKeyRow>())?.ToEntity();
    }

    public override async Task<Device?> GetDeviceAsync(string organizationId, string id, CancellationToken cancellationToken = default)
    {
        using var reader = await _readers.RentAsync(cancellationToken);
        return (await reader.Command(Dialect.GetDevice).With("@org", organizationId).With("@id", id).SingleOrDefaultAsync<DeviceRow>())?.ToEntity();
    }

    public override async Task<IReadOnlyList<Device>> FindDevicesBySerialAsync(string serial, CancellationToken cancellationToken = default)
    {
        using var reader = await _readers.RentAsync(cancellationToken);
        return [.. (await reader.Command(Dialect.FindDevicesBySerial).With("@serial", serial).ListAsync<DeviceRow>()).Select(r => r.ToEntity())];
    }

    public override async Task<StoredEvent?> GetEventAsync(string organizationId, string id, CancellationToken cancellationToken = default)
    {
        using var reader = await _readers.RentAsync(cancellationToken);
        return (await reader.Command(Sql.GetEvent).With("@org", organizationId).With("@id", id).SingleOrDefaultAsync<EventRow>())?.ToEntity();
    }

    public override async Task<string?> GetLatestEventIdAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        using var reader = await _readers.RentAsync(cancellationToken);
        return await reader.Command(Sql.LatestEventId).With("@org", organizationId).ScalarAsync<string?>();
    }

    public override async Task<PageResult<StoredEvent>> ListEventsAsync(string organizationId, EventFilter filter, PageRequest page, CancellationToken cancellationToken = default)
    {
        using var reader = await _readers.RentAsync(cancellationToken);
        var after = EventListStart(filter);
        if (page.After is not null)
        {
            after = await reader.Command(Sql.EventPosition).With("@org", organizationId).With("@id", page.After).ScalarAsync<long?>()
                ?? throw new InvalidCursorException(page.After);
        }
        // Gap-free by construction: one writer assigns positions in commit order, and a WAL reader
        // sees a prefix of the commits, so no later position is visible before an earlier one.
        var rows = await reader.Command(ListEventsSql(filter))
            .With("@org", organizationId)
            .With("@after", after)
            .With("@device", filter.DeviceId)
            .With("@types", filter.Types is { Count: > 0 } types ? JsonSerializer.Serialize(types, StorageJsonContext.Default.IReadOnlyListString) : null)
            .With("@limit", page.Limit + 1)
            .ListAsync<EventRow>();
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }

    private protected override async ValueTask DisposeResourcesAsync()
    {
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

    private protected override async Task<DbConnection> OpenReadConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}

using System.Data.Common;
using Npgsql;

namespace SmartApi.Storage.Postgres;

/// <summary>
/// The PostgreSQL store, for several server nodes sharing one database. Write units are committed
/// in batches by <see cref="PostgresWriter"/> (group commit: appends are serialized cluster-wide by
/// the position lock, so a transaction per unit caps throughput); reads use pooled connections. Statements are
/// prepared automatically by Npgsql (<c>Max Auto Prepare</c>), which keeps Dapper's per-call
/// commands from being parsed and planned again on every call.
/// </summary>
public sealed partial class PostgresSmartApiStore : RelationalSmartApiStore, ISmartApiStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresStorageOptions _options;
    private readonly TimeProvider _time;
    private readonly IdGenerator _ids;
    private readonly PostgresWriter _writer;

    public PostgresSmartApiStore(PostgresStorageOptions options, TimeProvider time)
        : base(PostgresDialect.Instance, new PostgresStorageFaults())
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
        // Commits on this node only: other nodes' workers find what it wrote by their poll.
        _writer = new PostgresWriter(_dataSource, options.Writers, options.MaxBatchSize, _ids, new DeliveryLeasing(HandOff), time, Publish, Faults);
    }

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await Migrator.MigrateAsync(connection, _time, cancellationToken);
        await Partitions.EnsureAsync(connection, _time.GetUtcNow(), _options.PartitionDaysAhead, cancellationToken);
    }

    // Group commit (PostgresWriter): the position lock and the commit fsync are paid per batch.
    public Task<T> WriteAsync<T>(Func<IStoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken = default) =>
        _writer.EnqueueAsync(work, cancellationToken);

    public Task<T> WriteDeferredAsync<T>(Func<IStoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken = default) =>
        _writer.EnqueueAsync(work, cancellationToken, deferred: true);

    public async Task PruneMeasurementsAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await Partitions.PruneAsync(connection, before, cancellationToken);
        // Retention runs every few minutes on every node: the natural place to create days ahead.
        await Partitions.EnsureAsync(connection, _time.GetUtcNow(), _options.PartitionDaysAhead, cancellationToken);
    }

    private protected override async ValueTask DisposeResourcesAsync()
    {
        // Units already queued still commit; then the connections go.
        await _writer.DisposeAsync();
        await _dataSource.DisposeAsync();
    }

    private protected override async Task<DbConnection> OpenReadConnectionAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);
}

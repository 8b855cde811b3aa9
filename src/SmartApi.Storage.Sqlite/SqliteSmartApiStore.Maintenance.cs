namespace SmartApi.Storage.Sqlite;

public sealed partial class SqliteSmartApiStore
{
    private const int MeasurementPruneBatch = 5_000;

    public async Task PruneMeasurementsAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        var cutoff = Ms.Of(before);
        int deleted;
        do
        {
            // Small units, so retention never holds the single writer for long.
            deleted = await WriteAsync(tx => ((SqliteStoreTransaction)tx).PruneMeasurementsAsync(cutoff, MeasurementPruneBatch), cancellationToken);
        }
        while (deleted == MeasurementPruneBatch);
    }
}

internal sealed partial class SqliteStoreTransaction
{
    public async ValueTask<int> PruneMeasurementsAsync(long before, int batchSize)
    {
        await UsingTelemetryAsync();
        return await ExecuteAsync(Sql.PruneMeasurements, new { before, limit = batchSize });
    }
}

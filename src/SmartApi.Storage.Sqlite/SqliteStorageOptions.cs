namespace SmartApi.Storage.Sqlite;

public sealed class SqliteStorageOptions
{
    /// <summary>ADO.NET connection string, such as <c>Data Source=./data/smartapi.db</c>.</summary>
    public required string ConnectionString { get; init; }

    /// <summary>Most write units committed in one transaction (group commit).</summary>
    public int MaxBatchSize { get; init; } = 512;

    /// <summary>Size of the WAL at which the writer is asked to finish a checkpoint so that the log starts over.</summary>
    internal long WalRewindBytes { get; init; } = Checkpointer.DefaultRewindBytes;

    /// <summary>Samples the measurement inbox holds before a telemetry batch folds it (ADR 053).</summary>
    internal int MeasurementFoldAt { get; init; } = MeasurementInbox.DefaultFoldAt;
}

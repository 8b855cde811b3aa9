namespace SmartApi.Storage.Postgres;

public sealed class PostgresStorageOptions
{
    /// <summary>Npgsql connection string, such as <c>Host=db;Database=smartapi;Username=smartapi;Password=...</c>.</summary>
    public required string ConnectionString { get; init; }

    /// <summary>Days of measurement partitions created ahead of today.</summary>
    public int PartitionDaysAhead { get; init; } = 7;
}

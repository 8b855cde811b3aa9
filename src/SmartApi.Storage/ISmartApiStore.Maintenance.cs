namespace SmartApi.Storage;

public partial interface ISmartApiStore
{
    /// <summary>
    /// Deletes measurements with <c>ts &lt; before</c> (retention). PostgreSQL drops whole daily
    /// partitions and creates the coming days' partitions here too; SQLite deletes in batches.
    /// </summary>
    Task PruneMeasurementsAsync(DateTimeOffset before, CancellationToken cancellationToken = default);
}

namespace SmartApi.Storage;

/// <summary>Measurements (telemetry samples), their aggregates and the hourly energy report.</summary>
public interface IMeasurementStore
{
    /// <summary>Raw samples with <c>from &lt;= ts &lt; to</c>, in time order, after the cursor (a timestamp in unix milliseconds).</summary>
    Task<PageResult<Measurement>> ListMeasurementsAsync(string deviceId, DateTimeOffset from, DateTimeOffset to, PageRequest page, CancellationToken cancellationToken = default);

    /// <summary>Buckets of <paramref name="bucket"/> length aligned to the unix epoch, with <c>from &lt;= start &lt; to</c>; empty buckets are left out.</summary>
    Task<IReadOnlyList<MeasurementBucket>> AggregateMeasurementsAsync(string deviceId, DateTimeOffset from, DateTimeOffset to, TimeSpan bucket, CancellationToken cancellationToken = default);

    /// <summary>
    /// The samples of an export, ordered by (device id, ts), for the devices of <paramref name="organizationId"/> among
    /// <see cref="MeasurementExport.DeviceIds"/> (others are skipped). Rows are read in keyset pages on short reads, so
    /// memory stays one page however many rows follow and a slow consumer holds no database snapshot open.
    /// </summary>
    IAsyncEnumerable<ExportedMeasurement> ExportMeasurementsAsync(string organizationId, MeasurementExport export, CancellationToken cancellationToken = default);

    /// <summary>The start of the latest hour whose energy was reported, if any.</summary>
    Task<DateTimeOffset?> GetLastEnergyReportAsync(CancellationToken cancellationToken = default);
}

/// <summary>Telemetry ingestion and energy accounting inside a write transaction.</summary>
public interface IMeasurementTransaction
{
    ValueTask<EnergyState?> GetEnergyStateAsync(string deviceId);
    ValueTask InsertMeasurementsAsync(IReadOnlyList<MeasurementRow> rows);
    /// <summary>
    /// Stores a device's energy state, but only while its stored latest sample is still at
    /// <paramref name="expectedLatestTs"/> (null: none yet) and its switch last changed at
    /// <paramref name="expectedSwitchChangedAt"/> (the <see cref="SwitchTimeline.ChangedAt"/> the
    /// on-time was computed with): false when another writer has moved either on (another node
    /// ingested for the device, or a state report changed its switch) or the device is gone, and
    /// nothing is changed.
    /// </summary>
    ValueTask<bool> SetEnergyStateAsync(
        string deviceId, double totalWh, double? lastCounterWh, Measurement latest, DateTimeOffset? expectedLatestTs, DateTimeOffset? expectedSwitchChangedAt);

    /// <summary>Claims the report of the hour starting at <paramref name="periodStart"/>; false when another node or run already did.</summary>
    ValueTask<bool> TryClaimEnergyReportAsync(DateTimeOffset periodStart, DateTimeOffset now);

    /// <summary>Claims the organization's daily report of the local day starting at <paramref name="periodStart"/>; false when another node or run already did.</summary>
    ValueTask<bool> TryClaimDailyEnergyReportAsync(string organizationId, DateTimeOffset periodStart, DateTimeOffset now);
}


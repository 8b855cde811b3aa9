namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalStoreTransaction
{
    private const long HourMs = 3_600_000;

    public async ValueTask<int> PruneOrganizationDeliveriesAsync(string organizationId, DateTimeOffset before, int batchSize) =>
        await ExecuteAsync(RelationalSql.PruneOrganizationDeliveries,
            new { org = organizationId, cut = IdGenerator.Lowest("dlv", before), before = Ms.Of(before), limit = batchSize });

    public async ValueTask<int> PruneOrganizationEventsAsync(string organizationId, DateTimeOffset before, int batchSize)
    {
        var cut = await PositionAtOrAfterAsync(Ms.Of(before));
        return await ExecuteAsync(Dialect.PruneOrganizationEvents, new { org = organizationId, cut, before = Ms.Of(before), limit = batchSize });
    }

    public async ValueTask<int> PruneOrganizationRunsAsync(string organizationId, DateTimeOffset before, int batchSize) =>
        await ExecuteAsync(RelationalSql.PruneOrganizationRuns,
            new { org = organizationId, cut = IdGenerator.Lowest("run", before), before = Ms.Of(before), limit = batchSize });

    public async ValueTask<int> PruneOrganizationMeasurementsAsync(string organizationId, DateTimeOffset before, int batchSize)
    {
        await UsingTelemetryAsync();
        return await ExecuteAsync(RelationalSql.PruneOrganizationMeasurements, new { org = organizationId, before = Ms.Of(before), limit = batchSize });
    }

    public async ValueTask<int> PruneOrganizationRollupsAsync(string organizationId, DateTimeOffset before, int batchSize)
    {
        await UsingTelemetryAsync();
        // Whole hours only, so an hour row and its four slots go together and never disagree.
        var ms = Ms.Of(before);
        var parameters = new { org = organizationId, before = ms - ((ms % HourMs) + HourMs) % HourMs, limit = batchSize };
        return await ExecuteAsync(RelationalSql.PruneOrganizationEnergySlots, parameters)
            + await ExecuteAsync(RelationalSql.PruneOrganizationEnergyHours, parameters);
    }

    /// <summary>
    /// The first log position created at or after <paramref name="beforeMs"/> (past the end when none is):
    /// a binary search on the primary key, since positions are handed out in creation order. A few
    /// dozen probes instead of an index on <c>created_at</c> that every append would pay for.
    /// </summary>
    private async Task<long> PositionAtOrAfterAsync(long beforeMs)
    {
        var bounds = await QuerySingleOrDefaultAsync<PositionBounds>(RelationalSql.EventPositionBounds, null);
        long low = bounds?.Low ?? 0, high = (bounds?.High ?? 0) + 1;
        while (low < high)
        {
            var mid = low + (high - low) / 2;
            var probe = await QuerySingleOrDefaultAsync<PositionProbe>(RelationalSql.EventAtOrAfter, new { position = mid });
            if (probe is null || probe.CreatedAt >= beforeMs)
            {
                high = mid;
            }
            else
            {
                low = probe.Position + 1;
            }
        }
        return low;
    }

    private sealed class PositionBounds
    {
        public long Low { get; set; }
        public long High { get; set; }
    }

    private sealed class PositionProbe
    {
        public long Position { get; set; }
        public long CreatedAt { get; set; }
    }
}

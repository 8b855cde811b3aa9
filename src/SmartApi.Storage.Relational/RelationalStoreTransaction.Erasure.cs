namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalStoreTransaction
{
    /// <summary>The <c>lastError</c> of a delivery that was pending when its event was erased.</summary>
    public const string ErasedDeliveryError = "Not sent: the event was erased before it could be delivered.";

    public async ValueTask<int> EraseDeviceMeasurementsAsync(string deviceId, int batchSize)
    {
        var parameters = new { device = deviceId, limit = batchSize };
        await UsingTelemetryAsync();
        return await ExecuteAsync(RelationalSql.EraseMeasurements, parameters)
            + await ExecuteAsync(RelationalSql.EraseEnergySlots, parameters)
            + await ExecuteAsync(RelationalSql.EraseEnergyHours, parameters);
    }

    public async ValueTask<ErasedEvents> EraseDeviceEventsAsync(string organizationId, string deviceId, long afterPosition, DateTimeOffset at, int batchSize)
    {
        var positions = (await QueryAsync<long>(RelationalSql.NextErasedPositions,
            new { org = organizationId, device = deviceId, after = afterPosition, limit = batchSize })).ToList();
        if (positions.Count == 0)
        {
            return new ErasedEvents(0, 0, null);
        }
        var last = positions[^1];
        var parameters = new { org = organizationId, device = deviceId, after = afterPosition, last, at = Ms.Of(at), reason = ErasedDeliveryError };
        // Attempts first: the delivery ids are found through the events, which this batch is about to change.
        await ExecuteAsync(RelationalSql.EraseAttempts, parameters);
        await ExecuteAsync(RelationalSql.FailErasedDeliveries, parameters);
        var deliveries = await ExecuteAsync(RelationalSql.EraseDeliveries, parameters);
        var events = await ExecuteAsync(RelationalSql.EraseEvents, parameters);
        return new ErasedEvents(events, deliveries, last);
    }

    public async ValueTask InsertDeviceErasureAsync(DeviceErasure erasure) =>
        await ExecuteAsync(RelationalSql.InsertDeviceErasure, new
        {
            erasure.Id,
            erasure.OrganizationId,
            erasure.DeviceId,
            erasure.ApiKeyId,
            ErasedAt = Ms.Of(erasure.ErasedAt),
            erasure.MeasurementsDeleted,
            erasure.EventsErased,
            erasure.DeliveriesErased,
        });
}

namespace SmartApi.Storage;

/// <summary>
/// Erasure of one device's data (ADR 042), a bounded batch per call, so each unit of work stays short
/// and ingestion is never held up for long. The caller checks that the device is the organization's.
/// </summary>
public interface IErasureTransaction
{
    /// <summary>
    /// Deletes up to <paramref name="batchSize"/> of the device's raw measurements, and as many of its
    /// energy rollup rows; returns how many rows went (0: nothing is left).
    /// </summary>
    ValueTask<int> EraseDeviceMeasurementsAsync(string deviceId, int batchSize);

    /// <summary>
    /// Erases the next <paramref name="batchSize"/> of the device's events after log position
    /// <paramref name="afterPosition"/>: their data becomes <c>{}</c> and their deliveries' response
    /// bodies go; the events and deliveries keep their ids and types and get <c>erased_at</c> (a first
    /// erasure's time is kept). <c>device.erased</c> events are left as they are (they hold no personal data).
    /// </summary>
    ValueTask<ErasedEvents> EraseDeviceEventsAsync(string organizationId, string deviceId, long afterPosition, DateTimeOffset at, int batchSize);

    /// <summary>Records who erased a device (the audit record, kept past retention).</summary>
    ValueTask InsertDeviceErasureAsync(DeviceErasure erasure);
}

/// <summary>One batch of <see cref="IErasureTransaction.EraseDeviceEventsAsync"/>; <see cref="LastPosition"/> is null when no event was left.</summary>
public sealed record ErasedEvents(int Events, int Deliveries, long? LastPosition);

/// <summary>Who erased a device's data, when, and how many rows it touched.</summary>
public sealed record DeviceErasure(
    string Id, string OrganizationId, string DeviceId, string ApiKeyId, DateTimeOffset ErasedAt,
    long MeasurementsDeleted, long EventsErased, long DeliveriesErased);

public partial interface IStoreTransaction : IErasureTransaction;

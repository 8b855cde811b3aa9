namespace SmartApi.Storage;

/// <summary>
/// Energy rollups: per device, one row per 15-minute UTC slot (the slot grid of local-time
/// statistics), kept up to date in the same transaction as the samples they sum.
/// </summary>
public interface IEnergyStore
{
    /// <summary>
    /// The rollups of <paramref name="deviceIds"/> (in <paramref name="organizationId"/>) with
    /// <c>from &lt;= slot &lt; to</c>, ordered by device id, then slot; slots without samples are left out.
    /// </summary>
    /// <remarks>
    /// The server reads through <see cref="SumEnergySegmentsAsync"/>; this plain read of what was written is
    /// the compliance suite's oracle for it (and for the migrations that fill the rollups), so it stays.
    /// </remarks>
    Task<IReadOnlyList<EnergySlotTotals>> ListEnergySlotsAsync(
        string organizationId, IReadOnlyCollection<string> deviceIds, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    /// <summary>
    /// The rollups of <paramref name="deviceIds"/> (in <paramref name="organizationId"/>) summed per
    /// device and segment, segment <c>i</c> being <c>[boundaries[i], boundaries[i + 1])</c>: sums and
    /// counts add up, the peak is the largest. The boundaries ascend and lie on the 15-minute slot
    /// grid. Pairs without slots are left out; the order is unspecified. Whole UTC hours are read
    /// from the hourly rollups, the rest of a segment from the slots.
    /// </summary>
    Task<IReadOnlyList<EnergySegmentTotals>> SumEnergySegmentsAsync(
        string organizationId, IReadOnlyCollection<string> deviceIds, IReadOnlyList<DateTimeOffset> boundaries, CancellationToken cancellationToken = default);
}

/// <summary>Keeping the energy rollups inside a write transaction.</summary>
public interface IEnergyTransaction
{
    /// <summary>
    /// Adds each change to its (device, slot) row, creating it when missing: sums and counts add up,
    /// the peak keeps the larger value; then recomputes the hourly rollup of each (device, UTC hour)
    /// changed. At most one change per (device, slot) in one call.
    /// </summary>
    ValueTask AddEnergySlotsAsync(IReadOnlyList<EnergySlotTotals> changes);

    /// <summary>
    /// Energy per device from the rollups with <c>from &lt;= slot &lt; to</c> (both on the 15-minute grid), for the
    /// devices with slots in that range: of every organization, or of <paramref name="organizationId"/> alone. Read
    /// inside the unit that claims an energy report, so the claim and the sums it reports are one step.
    /// </summary>
    ValueTask<IReadOnlyList<DeviceEnergyTotal>> SumEnergySlotsAsync(DateTimeOffset from, DateTimeOffset to, string? organizationId = null);
}

/// <summary>Energy a device consumed in a period.</summary>
public sealed record DeviceEnergyTotal(string DeviceId, string OrganizationId, double EnergyWh);

/// <summary>
/// What a device's samples in one 15-minute slot (UTC start <paramref name="Slot"/>) add up to.
/// Each sample covers the time since the previous sample, at most the 5-minute integration gap;
/// that interval and its energy belong to the slot of the sample's own timestamp.
/// </summary>
/// <param name="EnergyWh">Sum of the samples' energy steps (counter differences, or integrated power).</param>
/// <param name="Samples">Number of samples.</param>
/// <param name="PowerSumW">Sum of the samples' power (for a plain average where no time is covered).</param>
/// <param name="PowerSeconds">Sum of the previous sample's power times each covered interval, W·s (the time-weighted average's numerator).</param>
/// <param name="PeakPowerW">The largest power of a sample in the slot.</param>
/// <param name="CoveredSeconds">Time covered by the samples, s.</param>
/// <param name="OnSeconds">Covered time during which the switch was on (while it is unknown: the previous sample's power above 0 W), s.</param>
public sealed record EnergySlotTotals(
    string OrganizationId,
    string DeviceId,
    DateTimeOffset Slot,
    double EnergyWh,
    int Samples,
    double PowerSumW,
    double PowerSeconds,
    double PeakPowerW,
    double CoveredSeconds,
    double OnSeconds);

/// <summary>What a device's slots in one segment of <see cref="IEnergyStore.SumEnergySegmentsAsync"/> add up to (fields as in <see cref="EnergySlotTotals"/>).</summary>
/// <param name="Segment">The segment's index: it starts at the boundary of that index.</param>
public sealed record EnergySegmentTotals(
    string DeviceId,
    int Segment,
    double EnergyWh,
    long Samples,
    double PowerSumW,
    double PowerSeconds,
    double PeakPowerW,
    double CoveredSeconds,
    double OnSeconds);

public partial interface ISmartApiStore : IEnergyStore
{
}

public partial interface IStoreTransaction : IEnergyTransaction
{
}

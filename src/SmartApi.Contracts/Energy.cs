namespace SmartApi.Contracts;

/// <summary>
/// One statistics bucket: a local hour, day, ISO week (Monday first) or month, as UTC instants
/// <c>[start, end)</c>. A 23-hour or 25-hour day is one bucket.
/// </summary>
/// <param name="Start">The first instant of the bucket (UTC).</param>
/// <param name="End">The first instant after the bucket (UTC).</param>
/// <param name="LocalStart">The start as local wall-clock time with its UTC offset (RFC 3339, such as <c>2026-03-29T00:00:00+01:00</c>).</param>
/// <param name="EnergyWh">Energy consumed in the bucket, Wh.</param>
/// <param name="AvgPowerW">Time-weighted average power over the time the samples cover, W; null without samples.</param>
/// <param name="PeakPowerW">The largest power of a sample, W (for a group: of any one device); null without samples.</param>
/// <param name="OnHours">Hours the switch was on, within covered time (while the switch is unknown, covered time while the device drew power); for a group, the devices' sum.</param>
/// <param name="Samples">Number of samples.</param>
/// <param name="Coverage">The share of the bucket the samples cover, 0 to 1 (for a group, over all its devices).</param>
/// <param name="Complete">False when the bucket is still in progress or its samples leave more than 5 minutes uncovered (offline, gaps, before the first sample).</param>
/// <param name="Cost">Cost in the response's currency; null when no tariff applies.</param>
public sealed record EnergyBucket(
    DateTimeOffset Start,
    DateTimeOffset End,
    string LocalStart,
    double EnergyWh,
    double? AvgPowerW,
    double? PeakPowerW,
    double OnHours,
    int Samples,
    double Coverage,
    bool Complete,
    double? Cost);

/// <summary>A device's energy statistics per local-time bucket.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="TimeZone">The IANA time zone the buckets are aligned to.</param>
/// <param name="Interval">hour, day, week or month.</param>
/// <param name="Currency">The currency of <c>cost</c> (ISO 4217); null when no tariff applies.</param>
/// <param name="EnergyWh">Energy over all buckets, Wh.</param>
/// <param name="Cost">Cost over all buckets; null when no tariff applies.</param>
/// <param name="Buckets">The buckets in time order, empty ones included.</param>
public sealed record DeviceEnergyResponse(
    string DeviceId,
    string TimeZone,
    string Interval,
    string? Currency,
    double EnergyWh,
    double? Cost,
    IReadOnlyList<EnergyBucket> Buckets);

/// <summary>The energy statistics of a group of devices (one device, or the devices sharing a tag value).</summary>
/// <param name="Key">The device id (groupBy=device) or the tag value (groupBy=tag:key); null for the devices without the tag.</param>
/// <param name="Devices">Number of devices in the group.</param>
/// <param name="EnergyWh">Energy over all buckets, Wh.</param>
/// <param name="Cost">Cost over all buckets; null when no device of the group has a tariff or their currencies differ.</param>
/// <param name="Buckets">The buckets in time order, empty ones included.</param>
public sealed record EnergyGroup(
    string? Key,
    int Devices,
    double EnergyWh,
    double? Cost,
    IReadOnlyList<EnergyBucket> Buckets);

/// <summary>An organization's energy statistics, grouped by device or by a tag's value, per local-time bucket.</summary>
/// <param name="TimeZone">The IANA time zone the buckets are aligned to.</param>
/// <param name="Interval">hour, day, week or month.</param>
/// <param name="GroupBy"><c>device</c> or <c>tag:key</c>.</param>
/// <param name="Currency">The one currency of every cost in the answer; null when there is none or they differ (then every cost is null).</param>
/// <param name="Data">The groups: by device id, or by tag value (null, the devices without the tag, last).</param>
/// <param name="HasMore">Whether more groups follow (groupBy=device pages over devices).</param>
/// <param name="NextCursor">The <c>after</c> of the next page.</param>
public sealed record OrganizationEnergyResponse(
    string TimeZone,
    string Interval,
    string GroupBy,
    string? Currency,
    IReadOnlyList<EnergyGroup> Data,
    bool HasMore,
    string? NextCursor);

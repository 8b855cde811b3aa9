using System.Collections.Concurrent;
using SmartApi.Server.Energy;
using SmartApi.Storage;

namespace SmartApi.Server.Tariffs;

/// <summary>
/// <see cref="IEnergyPriceTimelines"/> with the organization's
/// tariffs. One indexed read per call finds the claims on the devices, their tags and the
/// organization; the most specific wins (device, else the first tag in ordinal <c>key:value</c>
/// order, else the organization). Compiled schedules are kept by tariff id and version, so a
/// tariff's JSON is parsed once per change, on every node alike.
/// </summary>
internal sealed class TariffPricing(ITariffStore store) : IEnergyPriceTimelines
{
    private const int MaxCachedSchedules = 4096;
    private readonly ConcurrentDictionary<string, (long Version, TariffSchedule Schedule)> _schedules = new(StringComparer.Ordinal);

    public async ValueTask<DevicePrices> TimelinesAsync(
        string organizationId, IReadOnlyList<Device> devices, TimeZoneInfo zone, IReadOnlyList<LocalBucket> buckets, CancellationToken cancellationToken)
    {
        var targets = new HashSet<string>(StringComparer.Ordinal) { TariffText.OrganizationTarget };
        foreach (var device in devices)
        {
            targets.Add(TariffText.DeviceTarget(device.Id));
            targets.UnionWith(device.Tags.Select(t => TariffText.TagTarget(t.Key, t.Value)));
        }
        // One read for every device of the request.
        var claims = (await store.FindTariffClaimsAsync(organizationId, targets, cancellationToken)).ToDictionary(c => c.Target, StringComparer.Ordinal);
        var timelines = new List<PriceTimeline>();
        var byTariff = new Dictionary<string, int>(StringComparer.Ordinal);
        var timelineOf = new int[devices.Count];
        var mine = new List<TariffClaim>();
        for (var i = 0; i < devices.Count; i++)
        {
            mine.Clear();
            AddClaim(mine, claims, TariffText.DeviceTarget(devices[i].Id));
            AddClaim(mine, claims, TariffText.OrganizationTarget);
            foreach (var (key, value) in devices[i].Tags)
            {
                AddClaim(mine, claims, TariffText.TagTarget(key, value));
            }
            timelineOf[i] = -1;
            if (Resolve(devices[i].Id, mine) is not { } claim)
            {
                continue;
            }
            if (!byTariff.TryGetValue(claim.TariffId, out var index))
            {
                index = -1;
                if (await ScheduleOfAsync(organizationId, claim, cancellationToken) is { } schedule)
                {
                    index = timelines.Count;
                    timelines.Add(TariffCalculator.Timeline(schedule, zone, buckets));
                }
                byTariff[claim.TariffId] = index;
            }
            timelineOf[i] = index;
        }
        return new DevicePrices(timelines, timelineOf);

        static void AddClaim(List<TariffClaim> list, Dictionary<string, TariffClaim> claims, string target)
        {
            if (claims.TryGetValue(target, out var claim))
            {
                list.Add(claim);
            }
        }
    }

    private async ValueTask<TariffSchedule?> ScheduleOfAsync(string organizationId, TariffClaim claim, CancellationToken cancellationToken)
    {
        if (_schedules.TryGetValue(claim.TariffId, out var cached) && cached.Version == claim.TariffVersion)
        {
            return cached.Schedule;
        }
        if (await store.GetTariffAsync(organizationId, claim.TariffId, cancellationToken) is not { } tariff)
        {
            return null; // deleted between the two reads
        }
        var schedule = TariffSchedule.Compile(tariff.Currency, TariffDefinition.FromJson(tariff.Definition).Periods);
        if (_schedules.Count >= MaxCachedSchedules)
        {
            _schedules.Clear();
        }
        _schedules[tariff.Id] = (tariff.Version, schedule);
        return schedule;
    }

    /// <summary>The winning claim: the device's own, else the first tag's in ordinal order, else the organization's.</summary>
    public static TariffClaim? Resolve(string deviceId, IReadOnlyList<TariffClaim> claims)
    {
        var device = TariffText.DeviceTarget(deviceId);
        TariffClaim? tag = null, organization = null;
        foreach (var claim in claims)
        {
            if (claim.Target == device)
            {
                return claim;
            }
            if (claim.Target == TariffText.OrganizationTarget)
            {
                organization = claim;
            }
            else if (claim.Target.StartsWith(TariffText.TagTargetPrefix, StringComparison.Ordinal)
                && (tag is null || string.CompareOrdinal(claim.Target, tag.Target) < 0))
            {
                tag = claim;
            }
        }
        return tag ?? organization;
    }
}

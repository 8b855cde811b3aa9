using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using SmartApi.Contracts;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Devices;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Energy;

/// <summary>Energy statistics in local time: per device, and across the organization by device or by tag (docs/energy.md).</summary>
internal static class EnergyApi
{
    public const int MaxBuckets = 10_000;
    /// <summary>Buckets times groups in one organization answer.</summary>
    public const int MaxCells = 200_000;
    public const int MaxDeviceIds = 100;
    /// <summary>The longest range of one request (ten years): buckets are found by walking the 15-minute grid.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(3653);

    public static RouteGroupBuilder MapEnergy(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1").WithTags("Energy").RequireScope(Scopes.DevicesRead);
        group.MapGet("/devices/{id}/energy", GetDeviceEnergy).WithName("GetDeviceEnergy")
            .WithSummary("A device's energy, power, on-time and cost per local hour, day, ISO week or month.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/energy", GetOrganizationEnergy).WithName("GetOrganizationEnergy")
            .WithSummary("The organization's energy per local bucket, grouped by device or by a tag's value.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    /// <param name="id">The device.</param>
    /// <param name="from">Start, RFC 3339; the first bucket is the one holding it. Default: the local start of the day 30 days before <c>to</c> (1 day for hour, 12 weeks for week, 12 months for month).</param>
    /// <param name="to">End (exclusive), RFC 3339; the last bucket is the one holding the instant before it. Default: now.</param>
    /// <param name="interval">hour, day (default), week (ISO, Monday first) or month, in local time.</param>
    /// <param name="timeZone">An IANA time zone such as Europe/Zurich; default: the organization's.</param>
    private static async Task<Results<Ok<DeviceEnergyResponse>, ProblemHttpResult>> GetDeviceEnergy(
        string id, ClaimsPrincipal user, ISmartApiStore store, EnergyStatistics statistics, TimeProvider time,
        string? from, string? to, string? interval, string? timeZone, CancellationToken cancellationToken)
    {
        var organizationId = user.Caller().OrganizationId;
        var errors = new ValidationErrors();
        var range = await ParseRangeAsync(store, organizationId, time, from, to, interval, timeZone, errors, cancellationToken);
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        if (await store.GetDeviceAsync(organizationId, id, cancellationToken) is not { } device)
        {
            return Problems.NotFound("device", id);
        }
        var buckets = LocalCalendar.Buckets(range.From, range.To, range.Interval, range.Zone);
        var computed = (await statistics.ComputeAsync(organizationId, [device], buckets, range.Zone, time.GetUtcNow(), cancellationToken))[0];
        return TypedResults.Ok(new DeviceEnergyResponse(device.Id, range.Zone.Id, range.IntervalName, computed.Currency,
            computed.Buckets.Sum(b => b.EnergyWh), EnergyStatistics.TotalCost(computed.Buckets), computed.Buckets));
    }

    /// <param name="from">Start, RFC 3339; the first bucket is the one holding it. Default: as for a device.</param>
    /// <param name="to">End (exclusive), RFC 3339. Default: now.</param>
    /// <param name="interval">hour, day (default), week or month, in local time.</param>
    /// <param name="timeZone">An IANA time zone; default: the organization's.</param>
    /// <param name="groupBy"><c>device</c> (default) or <c>tag:key</c> (one group per value of the tag; devices without it form the group with key null).</param>
    /// <param name="tag">Only devices with this tag: <c>key</c> (any value) or <c>key:value</c>.</param>
    /// <param name="deviceId">Only these devices (repeat the parameter, at most 100).</param>
    /// <param name="limit">Groups per page for groupBy=device, 1-500 (default 50); tag groups are not paged.</param>
    /// <param name="after">The nextCursor of the previous page.</param>
    private static async Task<Results<Ok<OrganizationEnergyResponse>, ProblemHttpResult>> GetOrganizationEnergy(
        ClaimsPrincipal user, ISmartApiStore store, EnergyStatistics statistics, TimeProvider time,
        string? from, string? to, string? interval, string? timeZone, string? groupBy, string? tag, string[]? deviceId,
        int? limit, string? after, CancellationToken cancellationToken)
    {
        var organizationId = user.Caller().OrganizationId;
        var errors = new ValidationErrors();
        var range = await ParseRangeAsync(store, organizationId, time, from, to, interval, timeZone, errors, cancellationToken);
        groupBy ??= "device";
        string? groupTag = null;
        if (groupBy.StartsWith("tag:", StringComparison.Ordinal))
        {
            groupTag = groupBy[4..];
            if (groupTag.Length is 0 or > DeviceValidation.MaxTagKeyLength)
            {
                errors.Add("groupBy", "groupBy must be device or tag:key with a key of 1-40 characters.");
            }
        }
        else if (groupBy != "device")
        {
            errors.Add("groupBy", "groupBy must be device or tag:key.");
        }
        var selector = tag is null ? null : DeviceValidation.Tag(tag, "tag", errors);
        var (tagKey, tagValue) = (selector?.Key, selector?.Value);
        if (deviceId is { Length: > MaxDeviceIds })
        {
            errors.Add("deviceId", $"At most {MaxDeviceIds} deviceId values.");
        }
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        if (!Paging.TryCreate(limit, after, "dev", out var page, out var pageProblem))
        {
            return pageProblem!;
        }

        // The devices: a page of them for groupBy=device, all of them (filtered) for a tag.
        var filter = new DeviceFilter(null, tagKey, tagValue);
        List<Device> devices;
        var hasMore = false;
        if (deviceId is { Length: > 0 })
        {
            // One query for the list; the first unknown id (in id order) answers 404.
            var ids = deviceId.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            var found = (await store.GetDevicesAsync(organizationId, ids, cancellationToken)).ToDictionary(d => d.Id, StringComparer.Ordinal);
            if (ids.FirstOrDefault(id => !found.ContainsKey(id)) is { } missing)
            {
                return Problems.NotFound("device", missing);
            }
            devices = [.. ids.Select(id => found[id])
                .Where(d => Matches(d, tagKey, tagValue) && (groupTag is not null || page.After is null || string.CompareOrdinal(d.Id, page.After) > 0))];
            if (groupTag is null && devices.Count > page.Limit)
            {
                devices.RemoveRange(page.Limit, devices.Count - page.Limit);
                hasMore = true;
            }
        }
        else if (groupTag is null)
        {
            var result = await store.ListDevicesAsync(organizationId, filter, page, cancellationToken);
            devices = [.. result.Items];
            hasMore = result.HasMore;
        }
        else
        {
            devices = await store.ListAllDevicesAsync(organizationId, filter, cancellationToken);
        }

        var buckets = LocalCalendar.Buckets(range.From, range.To, range.Interval, range.Zone);
        var groups = groupTag is null
            ? devices.Select(d => (Key: (string?)d.Id, Devices: new List<Device> { d })).ToList()
            : [.. devices.GroupBy(d => d.Tags.GetValueOrDefault(groupTag), StringComparer.Ordinal)
                .Select(g => (Key: g.Key, Devices: g.ToList()))
                .OrderBy(g => g.Key is null).ThenBy(g => g.Key, StringComparer.Ordinal)];
        if ((long)groups.Count * buckets.Count > MaxCells)
        {
            return Problems.Validation(groupTag is null ? "limit" : "interval",
                $"At most {MaxCells} buckets across all groups: narrow from/to, use a longer interval or fewer groups.");
        }
        var computed = await statistics.ComputeAsync(organizationId, devices, buckets, range.Zone, time.GetUtcNow(), cancellationToken);
        var byDevice = computed.ToDictionary(c => c.Device.Id, StringComparer.Ordinal);
        var currency = EnergyStatistics.Currency(computed);
        var data = groups.Select(g =>
        {
            var members = g.Devices.Select(d => byDevice[d.Id]).ToList();
            var merged = EnergyStatistics.Merge(members, buckets, currency);
            return new EnergyGroup(g.Key, members.Count, merged.Sum(b => b.EnergyWh), EnergyStatistics.TotalCost(merged), merged);
        }).ToList();
        return TypedResults.Ok(new OrganizationEnergyResponse(range.Zone.Id, range.IntervalName, groupBy, currency, data,
            hasMore, hasMore ? devices[^1].Id : null));
    }

    private static bool Matches(Device device, string? tagKey, string? tagValue) =>
        tagKey is null || (device.Tags.TryGetValue(tagKey, out var value) && (tagValue is null || value == tagValue));

    internal readonly record struct Range(DateTimeOffset From, DateTimeOffset To, EnergyInterval Interval, string IntervalName, TimeZoneInfo Zone);

    /// <summary>from, to, interval and timeZone of a statistics request (the energy export's too), with their errors.</summary>
    internal static async Task<Range> ParseRangeAsync(
        ISmartApiStore store, string organizationId, TimeProvider time, string? from, string? to, string? interval, string? timeZone,
        ValidationErrors errors, CancellationToken cancellationToken)
    {
        interval ??= "day";
        EnergyInterval parsed;
        switch (interval)
        {
            case "hour": parsed = EnergyInterval.Hour; break;
            case "day": parsed = EnergyInterval.Day; break;
            case "week": parsed = EnergyInterval.Week; break;
            case "month": parsed = EnergyInterval.Month; break;
            default:
                errors.Add("interval", "interval must be hour, day, week or month.");
                parsed = EnergyInterval.Day;
                break;
        }
        var zone = await OrganizationTimeZone.ForRequestAsync(timeZone, store, organizationId, errors, cancellationToken);
        var end = QueryTime.Parse(to, "to", errors) ?? time.GetUtcNow();
        var start = QueryTime.Parse(from, "from", errors) ?? DefaultFrom(end, parsed, zone);
        if (start >= end)
        {
            errors.Add("from", "from must be before to.");
        }
        else if (end - start > MaxRange)
        {
            errors.Add("from", "The range from-to may span at most ten years.");
        }
        else if ((end - start).TotalHours / ShortestHours(parsed) + 2 > MaxBuckets)
        {
            errors.Add("interval", $"At most {MaxBuckets} buckets per request: narrow from/to or use a longer interval.");
        }
        return new Range(start, end, parsed, interval, zone);
    }

    // The shortest a bucket can be, for the bound on their number before walking the grid.
    private static double ShortestHours(EnergyInterval interval) => interval switch
    {
        EnergyInterval.Hour => 1,
        EnergyInterval.Day => 23,
        EnergyInterval.Week => 7 * 24 - 1,
        _ => 28 * 24 - 1,
    };

    private static DateTimeOffset DefaultFrom(DateTimeOffset to, EnergyInterval interval, TimeZoneInfo zone)
    {
        var date = LocalCalendar.LocalDate(to, zone);
        return LocalCalendar.StartOfDay(interval switch
        {
            EnergyInterval.Hour => date.AddDays(-1),
            EnergyInterval.Day => date.AddDays(-30),
            EnergyInterval.Week => LocalCalendar.WeekStart(date).AddDays(-7 * 12),
            _ => new DateOnly(date.Year, date.Month, 1).AddMonths(-12),
        }, zone);
    }
}

using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using SmartApi.Contracts;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Measurements;

internal static class MeasurementsApi
{
    public const int DefaultRawLimit = 500;
    public const int MaxRawLimit = 10_000;
    public const int MaxBuckets = 10_000;

    private static readonly Dictionary<string, TimeSpan> Intervals = new(StringComparer.Ordinal)
    {
        ["1m"] = TimeSpan.FromMinutes(1),
        ["15m"] = TimeSpan.FromMinutes(15),
        ["1h"] = TimeSpan.FromHours(1),
        ["1d"] = TimeSpan.FromDays(1),
    };

    public static RouteGroupBuilder MapMeasurements(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/devices").WithTags("Measurements").RequireScope(Scopes.DevicesRead);
        group.MapGet("/{id}/measurements", Query).WithName("ListDeviceMeasurements")
            .WithSummary("A device's measurements: raw points, or 1m/15m/1h/1d buckets (UTC-aligned).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    /// <param name="from">Start (inclusive), RFC 3339; default: 24 hours before <c>to</c>.</param>
    /// <param name="to">End (exclusive), RFC 3339; default: now.</param>
    /// <param name="interval">raw (default), 1m, 15m, 1h or 1d.</param>
    /// <param name="limit">Raw points per page, 1-10000 (default 500). Buckets are not paged (at most 10000).</param>
    /// <param name="after">The nextCursor of the previous page of raw points.</param>
    private static async Task<Results<Ok<Page<MeasurementPoint>>, ProblemHttpResult>> Query(
        string id, ClaimsPrincipal user, ISmartApiStore store, TimeProvider time,
        string? from, string? to, string? interval, int? limit, string? after, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var end = QueryTime.Parse(to, "to", errors) ?? time.GetUtcNow();
        var start = QueryTime.Parse(from, "from", errors) ?? end - TimeSpan.FromDays(1);
        interval ??= "raw";
        TimeSpan bucket = default;
        if (interval != "raw" && !Intervals.TryGetValue(interval, out bucket))
        {
            errors.Add("interval", "interval must be raw, 1m, 15m, 1h or 1d.");
        }
        if (start >= end)
        {
            errors.Add("from", "from must be before to.");
        }
        if (limit is < 1 or > MaxRawLimit)
        {
            errors.Add("limit", $"limit must be between 1 and {MaxRawLimit}.");
        }
        if (bucket != default && start < end && (end - start).Ticks / bucket.Ticks > MaxBuckets)
        {
            errors.Add("interval", $"At most {MaxBuckets} buckets per request: narrow from/to or use a longer interval.");
        }
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        if (await store.GetDeviceAsync(user.Caller().OrganizationId, id, cancellationToken) is null)
        {
            return Problems.NotFound("device", id);
        }

        if (bucket == default)
        {
            try
            {
                var page = await store.ListMeasurementsAsync(id, start, end, new PageRequest(after, limit ?? DefaultRawLimit), cancellationToken);
                return TypedResults.Ok(Paging.ToPage(page,
                    m => new MeasurementPoint(m.Ts, PowerW: StoredValues.Power(m.PowerW), VoltageV: StoredValues.Voltage(m.VoltageV),
                        CurrentA: StoredValues.Current(m.CurrentA), TemperatureC: StoredValues.Temperature(m.TemperatureC), EnergyWh: StoredValues.Total(m.TotalWh)),
                    m => m.Ts.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)));
            }
            catch (InvalidCursorException ex)
            {
                return Problems.InvalidCursor(ex.Cursor);
            }
        }
        // Align the start down to the bucket so the first bucket is whole.
        var alignedStart = DateTimeOffset.FromUnixTimeMilliseconds(
            start.ToUnixTimeMilliseconds() - Mod(start.ToUnixTimeMilliseconds(), (long)bucket.TotalMilliseconds));
        var buckets = await store.AggregateMeasurementsAsync(id, alignedStart, end, bucket, cancellationToken);
        var points = buckets.Select(b => new MeasurementPoint(b.Start, AvgPowerW: b.AvgPowerW, MinPowerW: b.MinPowerW, MaxPowerW: b.MaxPowerW,
            EnergyWh: b.EnergyWh, Samples: b.Samples)).ToList();
        return TypedResults.Ok(new Page<MeasurementPoint>(points, false, null));
    }

    private static long Mod(long value, long divisor) => ((value % divisor) + divisor) % divisor;
}

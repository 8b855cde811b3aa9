using System.Text.Json.Serialization;

namespace SmartApi.Contracts;

/// <summary>Body of <c>POST /v1/tariffs</c>: a price per kWh by validity period and time-of-use band, fixed fees, and what it applies to.</summary>
/// <param name="Name">1-100 characters.</param>
/// <param name="Currency">An ISO 4217 code: three capital letters, such as <c>CHF</c>.</param>
/// <param name="Periods">1-50 validity periods in date order, not overlapping; only the last may leave <c>to</c> out.</param>
/// <param name="AppliesTo">The organization, tags and devices this tariff prices (each belongs to at most one tariff).</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateTariffRequest(
    string? Name,
    string? Currency,
    IReadOnlyList<TariffPeriod>? Periods,
    TariffAppliesTo? AppliesTo = null);

/// <summary>Body of <c>PATCH /v1/tariffs/{id}</c>: members left out keep their value; <c>periods</c> and <c>appliesTo</c> are replaced whole.</summary>
/// <param name="Name">1-100 characters.</param>
/// <param name="Currency">An ISO 4217 code.</param>
/// <param name="Periods">The new list of periods (replaces the old one).</param>
/// <param name="AppliesTo">The new targets (replace the old ones).</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateTariffRequest(
    string? Name = null,
    string? Currency = null,
    IReadOnlyList<TariffPeriod>? Periods = null,
    TariffAppliesTo? AppliesTo = null);

/// <summary>A validity period: local dates, <c>to</c> exclusive, so a price change next month does not rewrite the past.</summary>
/// <param name="From">The first local date, <c>yyyy-MM-dd</c>.</param>
/// <param name="To">The local date after the last one (exclusive); left out on the last period, open-ended.</param>
/// <param name="PricePerKwh">The price per kWh at times no band covers.</param>
/// <param name="Bands">Up to 20 time-of-use bands, not overlapping.</param>
/// <param name="FixedFees">Fees per local day and per local month, charged per device priced.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record TariffPeriod(
    string? From,
    string? To,
    double? PricePerKwh,
    IReadOnlyList<TariffBand>? Bands = null,
    TariffFixedFees? FixedFees = null);

/// <summary>
/// A time-of-use band: local wall-clock times on some weekdays. <c>from</c> after <c>to</c> wraps past
/// midnight, and the part after midnight belongs to the day the band starts on.
/// </summary>
/// <param name="Name">An optional label, such as <c>peak</c> (at most 40 characters).</param>
/// <param name="Days">Weekdays the band starts on: <c>mon</c> ... <c>sun</c>; left out, every day.</param>
/// <param name="From">Start, <c>HH:mm</c> local time, minutes a multiple of 15.</param>
/// <param name="To">End (exclusive), <c>HH:mm</c>, minutes a multiple of 15; <c>24:00</c> is midnight at the end of the day.</param>
/// <param name="PricePerKwh">The price per kWh inside the band.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record TariffBand(
    string? Name,
    IReadOnlyList<string>? Days,
    string? From,
    string? To,
    double? PricePerKwh);

/// <summary>Fixed fees; each is spread evenly over the real length of its local day or month (23, 24 or 25 hours for a day).</summary>
/// <param name="PerDay">Charged per local day.</param>
/// <param name="PerMonth">Charged per local month.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record TariffFixedFees(double? PerDay = null, double? PerMonth = null);

/// <summary>
/// What a tariff prices. A device is priced by its own tariff, else by the tariff of one of its tags
/// (the first <c>key:value</c> in ordinal order that has one), else by the organization's.
/// </summary>
/// <param name="Organization">Whether this is the organization's tariff.</param>
/// <param name="Tags">Up to 100 tags, each <c>key:value</c>.</param>
/// <param name="DeviceIds">Up to 500 devices of the organization.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record TariffAppliesTo(
    bool? Organization = null,
    IReadOnlyList<string>? Tags = null,
    IReadOnlyList<string>? DeviceIds = null);

/// <summary>A tariff.</summary>
public sealed record TariffResponse(
    string Id,
    string OrganizationId,
    string Name,
    string Currency,
    IReadOnlyList<TariffPeriod> Periods,
    TariffAppliesTo AppliesTo,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

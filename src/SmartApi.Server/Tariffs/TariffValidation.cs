using SmartApi.Contracts;
using SmartApi.Server.Devices;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Tariffs;

/// <summary>The rules of a tariff's fields; errors are keyed by JSON path (<c>periods[1].bands[0].from</c>).</summary>
internal static class TariffValidation
{
    public const int MaxName = 100;
    public const int MaxPeriods = 50;
    public const int MaxBands = 20;
    public const int MaxBandName = 40;
    public const int MaxTags = 100;
    public const int MaxDevices = 500;

    public static string? Name(string? name, ValidationErrors errors, bool required)
    {
        if (name is null)
        {
            if (required)
            {
                errors.Add("name", $"name is required: 1-{MaxName} characters.");
            }
            return null;
        }
        name = name.Trim();
        if (name.Length is 0 or > MaxName || name.Any(char.IsControl))
        {
            errors.Add("name", $"name is 1-{MaxName} characters, without control characters.");
        }
        return name;
    }

    public static void Currency(string? currency, ValidationErrors errors, bool required)
    {
        if (currency is null ? required : currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
        {
            errors.Add("currency", "currency is an ISO 4217 code: three capital letters, such as CHF or EUR.");
        }
    }

    /// <summary>Checks the periods and returns them normalized (weekdays in lower case, in week order); null when absent.</summary>
    public static IReadOnlyList<TariffPeriod>? Periods(IReadOnlyList<TariffPeriod>? periods, ValidationErrors errors, bool required)
    {
        if (periods is null || periods.Count is 0 or > MaxPeriods)
        {
            if (periods is not null || required)
            {
                errors.Add("periods", $"periods is required: 1-{MaxPeriods} validity periods in date order.");
            }
            return null;
        }
        var normalized = new List<TariffPeriod>(periods.Count);
        DateOnly? previousTo = null;
        for (var i = 0; i < periods.Count; i++)
        {
            var path = $"periods[{i}]";
            var period = periods[i];
            var hasFrom = TariffText.TryParseDate(period.From, out var from);
            if (!hasFrom)
            {
                errors.Add(path + ".from", "from is required: the first local date, yyyy-MM-dd.");
            }
            DateOnly? to = null;
            if (period.To is not null)
            {
                if (!TariffText.TryParseDate(period.To, out var end))
                {
                    errors.Add(path + ".to", "to is the local date after the last one, yyyy-MM-dd.");
                }
                else if (hasFrom && end <= from)
                {
                    errors.Add(path + ".to", "to must be after from (to is exclusive).");
                }
                else
                {
                    to = end;
                }
            }
            else if (i < periods.Count - 1)
            {
                errors.Add(path + ".to", "Only the last period may leave to out.");
            }
            if (hasFrom && previousTo is { } before && from < before)
            {
                errors.Add(path + ".from", $"Periods are in date order and do not overlap: from must be on or after periods[{i - 1}].to ({before:yyyy-MM-dd}).");
            }
            previousTo = to;
            Price(period.PricePerKwh, path + ".pricePerKwh", errors, required: true);
            if (period.FixedFees is { } fees)
            {
                Price(fees.PerDay, path + ".fixedFees.perDay", errors, required: false);
                Price(fees.PerMonth, path + ".fixedFees.perMonth", errors, required: false);
            }
            normalized.Add(period with { Bands = Bands(period.Bands, path, errors) });
        }
        return normalized;
    }

    private static IReadOnlyList<TariffBand>? Bands(IReadOnlyList<TariffBand>? bands, string periodPath, ValidationErrors errors)
    {
        if (bands is null)
        {
            return null;
        }
        if (bands.Count > MaxBands)
        {
            errors.Add(periodPath + ".bands", $"At most {MaxBands} bands per period.");
            return bands;
        }
        var owner = new int[TariffSchedule.QuartersPerWeek];
        var normalized = new List<TariffBand>(bands.Count);
        for (var j = 0; j < bands.Count; j++)
        {
            var path = $"{periodPath}.bands[{j}]";
            var band = bands[j];
            var valid = true;
            if (band.Name is { } name && (name.Length is 0 or > MaxBandName || name.Any(char.IsControl)))
            {
                errors.Add(path + ".name", $"name is 1-{MaxBandName} characters, without control characters.");
            }
            IReadOnlyList<string>? days = null;
            if (band.Days is not null)
            {
                var indexes = band.Days.Select(d => TariffText.Weekday(d?.ToLowerInvariant())).ToList();
                if (indexes.Count == 0 || indexes.Contains(-1))
                {
                    errors.Add(path + ".days", "days lists weekdays (mon, tue, wed, thu, fri, sat, sun), or is left out for every day.");
                    valid = false;
                }
                else
                {
                    days = [.. indexes.Distinct().Order().Select(d => TariffText.Weekdays[d])];
                }
            }
            if (!TariffText.TryParseQuarter(band.From, out var from) || from == TariffText.QuartersPerDay)
            {
                errors.Add(path + ".from", "from is required: local time HH:mm, minutes 00, 15, 30 or 45.");
                valid = false;
            }
            if (!TariffText.TryParseQuarter(band.To, out var to))
            {
                errors.Add(path + ".to", "to is required: local time HH:mm, minutes 00, 15, 30 or 45, or 24:00.");
                valid = false;
            }
            else if (valid && from == to)
            {
                errors.Add(path + ".to", "to must differ from from (use 00:00 to 24:00 for a whole day).");
                valid = false;
            }
            Price(band.PricePerKwh, path + ".pricePerKwh", errors, required: true);
            var checkedBand = band with { Days = days };
            normalized.Add(checkedBand);
            if (valid)
            {
                foreach (var (day, quarter) in TariffSchedule.Quarters(checkedBand))
                {
                    var cell = day * TariffText.QuartersPerDay + quarter;
                    if (owner[cell] != 0)
                    {
                        errors.Add(path, $"The band overlaps {periodPath}.bands[{owner[cell] - 1}] on {TariffText.Weekdays[day]} at {quarter / 4:00}:{quarter % 4 * 15:00}.");
                        break;
                    }
                    owner[cell] = j + 1;
                }
            }
        }
        return normalized;
    }

    private static void Price(double? price, string path, ValidationErrors errors, bool required)
    {
        if (price is null ? required : !double.IsFinite(price.Value) || price.Value < 0)
        {
            errors.Add(path, "A price or fee is a finite number, 0 or more" + (required ? " (required)." : "."));
        }
    }

    /// <summary>The targets <paramref name="appliesTo"/> names (devices not yet checked to exist), in ordinal order.</summary>
    public static List<string> Targets(TariffAppliesTo? appliesTo, ValidationErrors errors)
    {
        var targets = new SortedSet<string>(StringComparer.Ordinal);
        if (appliesTo is null)
        {
            return [];
        }
        if (appliesTo.Organization == true)
        {
            targets.Add(TariffText.OrganizationTarget);
        }
        if (appliesTo.Tags is { } tags)
        {
            if (tags.Count > MaxTags)
            {
                errors.Add("appliesTo.tags", $"At most {MaxTags} tags.");
            }
            for (var i = 0; i < tags.Count && i < MaxTags; i++)
            {
                if (TagSelector.Parse(tags[i]) is not { IsWithinLimits: true, Value: not null })
                {
                    errors.Add($"appliesTo.tags[{i}]", $"A tag is key:value, with a key of 1-{DeviceValidation.MaxTagKeyLength} characters.");
                    continue;
                }
                targets.Add(TariffText.TagTargetPrefix + tags[i]);
            }
        }
        if (appliesTo.DeviceIds is { } deviceIds)
        {
            if (deviceIds.Count > MaxDevices)
            {
                errors.Add("appliesTo.deviceIds", $"At most {MaxDevices} devices.");
            }
            for (var i = 0; i < deviceIds.Count && i < MaxDevices; i++)
            {
                if (!IdGenerator.IsWellFormed(deviceIds[i], "dev"))
                {
                    errors.Add($"appliesTo.deviceIds[{i}]", $"No device with id '{deviceIds[i]}' exists.");
                    continue;
                }
                targets.Add(TariffText.DeviceTarget(deviceIds[i]));
            }
        }
        return [.. targets];
    }
}

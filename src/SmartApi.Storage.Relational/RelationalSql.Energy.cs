namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalSql
{
    protected const string InsertEnergySlotsInto =
        "INSERT INTO energy_slots (device_id, slot, organization_id, energy_wh, samples, power_sum_w, power_seconds, peak_power_w, covered_seconds, on_seconds) ";

    // Accumulates into the slot's row; a CASE rather than max()/GREATEST(), so the text is the same on both databases.
    protected const string AccumulateEnergySlot =
        " ON CONFLICT (device_id, slot) DO UPDATE SET energy_wh = energy_slots.energy_wh + excluded.energy_wh, " +
        "samples = energy_slots.samples + excluded.samples, power_sum_w = energy_slots.power_sum_w + excluded.power_sum_w, " +
        "power_seconds = energy_slots.power_seconds + excluded.power_seconds, " +
        "peak_power_w = CASE WHEN excluded.peak_power_w > energy_slots.peak_power_w THEN excluded.peak_power_w ELSE energy_slots.peak_power_w END, " +
        "covered_seconds = energy_slots.covered_seconds + excluded.covered_seconds, on_seconds = energy_slots.on_seconds + excluded.on_seconds";

    public const string EnergySlotColumns =
        "device_id, slot, organization_id, energy_wh, samples, power_sum_w, power_seconds, peak_power_w, covered_seconds, on_seconds";

    /// <summary>One device's slots: a range scan of the (device_id, slot) primary key.</summary>
    public const string ListDeviceEnergySlots =
        "SELECT " + EnergySlotColumns + " FROM energy_slots WHERE device_id = @device AND organization_id = @org AND slot >= @from AND slot < @to ORDER BY slot";

    public const string DeleteDeviceEnergySlots = "DELETE FROM energy_slots WHERE device_id = @id";
    public const string DeleteDeviceEnergyHours = "DELETE FROM energy_hours WHERE device_id = @id";

    public const string HourMilliseconds = "3600000";

    // An hour's row is recomputed from its (at most four) slots rather than accumulated, so it is
    // exactly their sum whatever the order of the batches.
    protected const string InsertEnergyHoursInto =
        "INSERT INTO energy_hours (device_id, hour, organization_id, energy_wh, samples, power_sum_w, power_seconds, peak_power_w, covered_seconds, on_seconds) ";
    protected const string SumSlotsOfHour =
        "SUM(s.energy_wh), SUM(s.samples), SUM(s.power_sum_w), SUM(s.power_seconds), MAX(s.peak_power_w), SUM(s.covered_seconds), SUM(s.on_seconds) ";
    protected const string ReplaceEnergyHour =
        " ON CONFLICT (device_id, hour) DO UPDATE SET energy_wh = excluded.energy_wh, samples = excluded.samples, power_sum_w = excluded.power_sum_w, " +
        "power_seconds = excluded.power_seconds, peak_power_w = excluded.peak_power_w, covered_seconds = excluded.covered_seconds, on_seconds = excluded.on_seconds";

    /// <summary>The sums of one range's rollup rows (alias x), named as the columns so <see cref="EnergySums"/> adds them up again.</summary>
    public const string RangeSums =
        "SUM(x.energy_wh) AS energy_wh, SUM(x.samples) AS samples, SUM(x.power_sum_w) AS power_sum_w, SUM(x.power_seconds) AS power_seconds, " +
        "MAX(x.peak_power_w) AS peak_power_w, SUM(x.covered_seconds) AS covered_seconds, SUM(x.on_seconds) AS on_seconds";

    public const string EnergySums =
        "SUM(energy_wh), SUM(samples), SUM(power_sum_w), SUM(power_seconds), MAX(peak_power_w), SUM(covered_seconds), SUM(on_seconds)";
}

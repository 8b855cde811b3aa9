namespace SmartApi.Storage.Postgres;

internal sealed partial class PostgresStoreTransaction
{
    // One statement per batch of rollup changes: they travel as arrays.
    public async ValueTask AddEnergySlotsAsync(IReadOnlyList<EnergySlotTotals> changes)
    {
        if (changes.Count == 0)
        {
            return;
        }
        await db.ExecuteAsync(Sql.AddEnergySlots, new
        {
            devices = changes.Select(c => c.DeviceId).ToArray(),
            slots = changes.Select(c => c.Slot.ToUnixTimeMilliseconds()).ToArray(),
            orgs = changes.Select(c => c.OrganizationId).ToArray(),
            energy = changes.Select(c => c.EnergyWh).ToArray(),
            samples = changes.Select(c => c.Samples).ToArray(),
            powerSum = changes.Select(c => c.PowerSumW).ToArray(),
            powerSeconds = changes.Select(c => c.PowerSeconds).ToArray(),
            peak = changes.Select(c => c.PeakPowerW).ToArray(),
            covered = changes.Select(c => c.CoveredSeconds).ToArray(),
            on = changes.Select(c => c.OnSeconds).ToArray(),
        });
        var hours = EnergyHours.Touched(changes);
        await db.ExecuteAsync(Sql.RecomputeEnergyHours, new
        {
            devices = hours.Select(h => h.DeviceId).ToArray(),
            hours = hours.Select(h => h.Hour).ToArray(),
        });
    }
}

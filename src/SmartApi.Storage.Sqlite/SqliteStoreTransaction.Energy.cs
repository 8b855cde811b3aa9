namespace SmartApi.Storage.Sqlite;

internal sealed partial class SqliteStoreTransaction
{
    private static readonly string[] EnergySlotParameters =
        ["@device", "@slot", "@org", "@energy", "@samples", "@powerSum", "@powerSeconds", "@peak", "@covered", "@on"];

    // Once per (device, slot) of a telemetry batch, bound by position like the samples: appended to
    // the inbox, added to the slot's row and its hour recomputed when the inbox is folded (ADR 053).
    public ValueTask AddEnergySlotsAsync(IReadOnlyList<EnergySlotTotals> changes)
    {
        if (changes.Count == 0)
        {
            return ValueTask.CompletedTask;
        }
        var statement = RawStatement.For(connection, Sql.AddEnergySlotToInbox, EnergySlotParameters);
        foreach (var change in changes)
        {
            statement
                .Bind(0, change.DeviceId)
                .Bind(1, change.Slot.ToUnixTimeMilliseconds())
                .Bind(2, change.OrganizationId)
                .Bind(3, change.EnergyWh)
                .Bind(4, change.Samples)
                .Bind(5, change.PowerSumW)
                .Bind(6, change.PowerSeconds)
                .Bind(7, change.PeakPowerW)
                .Bind(8, change.CoveredSeconds)
                .Bind(9, change.OnSeconds)
                .Execute();
        }
        // Counted as an append, not as samples: the inbox's size is reckoned in samples.
        inbox.Appended(0);
        return ValueTask.CompletedTask;
    }
}

using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Mqtt.Provisioning;

/// <summary>
/// Once at start: brings the broker's accounts and the devices back in step where the job table
/// cannot (ADR 040). Accounts of the server's naming whose device no longer exists get a delete job;
/// devices without an account are counted and reported, since only their password hashes are stored
/// and a rotation is the one way to give them one. Every step is idempotent (deletes of what is
/// gone are "done"), so each node runs it on its own start.
/// </summary>
internal sealed partial class BrokerAccountReconcile(
    ISmartApiStore store,
    MosquittoDynamicSecurity broker,
    BrokerAccounts accounts,
    ILogger<BrokerAccountReconcile> logger)
{
    private const int SerialsLogged = 10;

    /// <summary>Returns the serials whose accounts were queued for removal.</summary>
    public async Task<IReadOnlyList<string>> RunAsync(CancellationToken cancellationToken)
    {
        var listing = await broker.ListAccountsAsync(cancellationToken);
        // Checked and queued in one unit: a device registered with such a serial after this commit queues
        // its upsert behind the delete, so its account is created after the old one is removed.
        var strays = await store.WriteAsync(async tx =>
        {
            var existing = (await tx.FindDeviceSerialsAsync(listing.Managed)).ToHashSet(StringComparer.Ordinal);
            var missing = listing.Managed.Where(serial => !existing.Contains(serial)).Order(StringComparer.Ordinal).ToList();
            foreach (var serial in missing)
            {
                await accounts.RemoveAsync(tx, serial);
            }
            return missing;
        }, cancellationToken);
        if (strays.Count > 0)
        {
            accounts.Committed();
            var shown = string.Join(", ", strays.Take(SerialsLogged));
            Log.RemovingStrays(logger, strays.Count, shown);
        }
        var without = await store.CountDevicesWithoutBrokerAccountAsync(listing.Accounts, cancellationToken);
        if (without > 0)
        {
            Log.DevicesWithoutAccount(logger, without);
        }
        return strays;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.BrokerReconcileRemoving, Level = LogLevel.Information,
            Message = "Removing {Count} broker accounts whose device no longer exists (first ones: {Serials})")]
        public static partial void RemovingStrays(ILogger logger, int count, string serials);

        [LoggerMessage(EventId = LogEvents.BrokerDevicesWithoutAccount, Level = LogLevel.Warning,
            Message = "{Count} devices have no account at the broker and cannot connect (created before SmartApi:Mqtt:Provisioning was on, or removed at the broker); rotate their credentials: POST /v1/devices/{{id}}/rotate-credentials")]
        public static partial void DevicesWithoutAccount(ILogger logger, long count);
    }
}

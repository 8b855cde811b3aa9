namespace SmartApi.Storage;

/// <summary>
/// Broker account jobs (ADR 040): each device create, delete and credential rotation writes one in
/// its own transaction when the server provisions accounts at an external broker; a worker claims
/// them under a lease and applies them with retries. Only a serial's oldest job is claimable, so a
/// delete never overtakes the create before it.
/// </summary>
public interface IBrokerAccountTransaction
{
    ValueTask EnqueueBrokerAccountJobAsync(string serial, BrokerAccountAction action, byte[]? secret, DateTimeOffset at);

    /// <summary>
    /// Leases up to <paramref name="limit"/> due jobs to <paramref name="owner"/> until <paramref name="leaseUntil"/>:
    /// jobs not leased (or whose lease ran out) that are the oldest of their serial, in id order.
    /// </summary>
    ValueTask<IReadOnlyList<BrokerAccountJob>> ClaimBrokerAccountJobsAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit);

    /// <summary>Removes an applied job; false when <paramref name="owner"/> no longer holds its lease.</summary>
    ValueTask<bool> CompleteBrokerAccountJobAsync(long id, string owner);

    /// <summary>Releases a failed job until <paramref name="dueAt"/>, counting the attempt and keeping the error.</summary>
    ValueTask<bool> RetryBrokerAccountJobAsync(long id, string owner, DateTimeOffset dueAt, string error);

    /// <summary>Which of <paramref name="serials"/> are a device's, in any organization (the start-up reconcile's check before it removes an account).</summary>
    ValueTask<IReadOnlyList<string>> FindDeviceSerialsAsync(IReadOnlyCollection<string> serials);
}

/// <summary>Reads of the broker account jobs (operators, tests) and of the devices they are for.</summary>
public interface IBrokerAccountStore
{
    /// <summary>Every pending job in id order, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<BrokerAccountJob>> ListBrokerAccountJobsAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many devices, in every organization, have a serial not in <paramref name="accounts"/> (the broker's
    /// accounts) and no pending upsert job: devices that cannot connect until their credentials are rotated.
    /// </summary>
    Task<long> CountDevicesWithoutBrokerAccountAsync(IReadOnlyCollection<string> accounts, CancellationToken cancellationToken = default);
}

public enum BrokerAccountAction
{
    /// <summary>Create the serial's account (or replace it) with the password in the job's secret.</summary>
    Upsert,

    /// <summary>Remove the serial's account and its role.</summary>
    Delete,
}

/// <summary>
/// One pending change of a device's broker account. <paramref name="Secret"/> is the device's new
/// password encrypted by the server (the broker needs the plain password once; the database keeps
/// only the hash otherwise), and the row is deleted once applied.
/// </summary>
public sealed record BrokerAccountJob(
    long Id,
    string Serial,
    BrokerAccountAction Action,
    byte[]? Secret,
    int Attempts,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset DueAt);

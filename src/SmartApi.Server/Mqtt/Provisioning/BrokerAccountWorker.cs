using Microsoft.Extensions.Options;
using SmartApi.Server.Infrastructure;
using SmartApi.Server.Webhooks;
using SmartApi.Storage;

namespace SmartApi.Server.Mqtt.Provisioning;

/// <summary>
/// Applies the broker account jobs: claims a batch under a lease (so of several nodes one applies
/// each job), sends each to Mosquitto's dynamic-security plugin, and removes it, or releases it
/// with a growing delay when the broker refuses or does not answer.
/// </summary>
internal sealed partial class BrokerAccountWorker(
    ISmartApiStore store,
    BrokerAccounts accounts,
    MosquittoDynamicSecurity broker,
    BrokerAccountReconcile reconcile,
    SecretProtector protector,
    TimeProvider time,
    IOptions<MqttOptions> options,
    ILogger<BrokerAccountWorker> logger) : BackgroundService
{
    private const int BatchSize = 50;
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(5);
    private readonly string _owner = "node-" + Guid.NewGuid().ToString("N")[..12];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.ProvisionsMosquitto)
        {
            return;
        }
        // The start-up reconcile, repeated with the jobs' growing delay until it has run once.
        DateTimeOffset? reconcileDue = time.GetUtcNow();
        var reconcileFailures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var applied = 0;
            if (reconcileDue is { } due && time.GetUtcNow() >= due)
            {
                try
                {
                    await reconcile.RunAsync(stoppingToken);
                    reconcileDue = null;
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    var delay = RetryDelay(reconcileFailures++);
                    Log.ReconcileFailed(logger, delay, ex);
                    reconcileDue = time.GetUtcNow() + delay;
                }
            }
            try
            {
                applied = await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.RoundFailed(logger, ex);
            }
            if (applied < BatchSize)
            {
                // Polled too: another node's commits do not wake this one.
                await accounts.Wake.WaitAsync(PollInterval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>One round: the jobs claimed, each applied or released for a retry. Returns how many were claimed.</summary>
    internal async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var jobs = await store.WriteAsync(tx => tx.ClaimBrokerAccountJobsAsync(_owner, now, now + Lease, BatchSize), cancellationToken);
        foreach (var job in jobs)
        {
            try
            {
                var password = job.Secret is { } secret ? System.Text.Encoding.UTF8.GetString(protector.Unprotect(secret)) : null;
                await broker.ApplyAsync(job.Serial, password, cancellationToken);
                await store.WriteAsync(tx => tx.CompleteBrokerAccountJobAsync(job.Id, _owner), cancellationToken);
                Log.Applied(logger, job.Action, job.Serial, job.Attempts);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                var delay = RetryDelay(job.Attempts);
                Log.ApplyFailed(logger, job.Action, job.Serial, job.Attempts + 1, delay, ex);
                await store.WriteAsync(tx => tx.RetryBrokerAccountJobAsync(job.Id, _owner, time.GetUtcNow() + delay, ex.Message), cancellationToken);
            }
        }
        return jobs.Count;
    }

    /// <summary>1 s, doubling, at most 5 min: a broker back after an outage is caught up within minutes.</summary>
    internal static TimeSpan RetryDelay(int attempts) =>
        TimeSpan.FromSeconds(Math.Min(Math.Pow(2, Math.Min(attempts, 20)), MaxRetryDelay.TotalSeconds));

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.BrokerAccountApplied, Level = LogLevel.Information,
            Message = "Broker account {Action} of {Serial} applied (after {Attempts} failed attempts)")]
        public static partial void Applied(ILogger logger, BrokerAccountAction action, string serial, int attempts);

        [LoggerMessage(EventId = LogEvents.BrokerAccountFailed, Level = LogLevel.Warning,
            Message = "Broker account {Action} of {Serial} failed (attempt {Attempt}); retrying in {Delay}")]
        public static partial void ApplyFailed(ILogger logger, BrokerAccountAction action, string serial, int attempt, TimeSpan delay, Exception exception);

        [LoggerMessage(EventId = LogEvents.BrokerAccountRoundFailed, Level = LogLevel.Error, Message = "Broker account round failed")]
        public static partial void RoundFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = LogEvents.BrokerReconcileFailed, Level = LogLevel.Warning,
            Message = "Broker account reconcile failed; retrying in {Delay}")]
        public static partial void ReconcileFailed(ILogger logger, TimeSpan delay, Exception exception);
    }
}

using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Automations;

/// <summary>
/// Carries out queued runs. A run is queued pending in the transaction that fired its trigger (an
/// event append, a schedule claim, a power crossing), so a committed trigger never loses its run,
/// even on kill -9. Runners on every node claim pending runs with a lease and finish each in one
/// unit that checks the conditions and cooldown, takes the actions and records the outcome only
/// while the lease is still theirs: a run's actions commit exactly once.
/// </summary>
internal sealed partial class AutomationRunner(
    ISmartApiStore store,
    RunExecutor executor,
    TimeProvider time,
    ILogger<AutomationRunner> logger) : BackgroundService
{
    public const int MaxClaim = 64;
    // Far longer than a run takes (one unit of work), short enough that a killed runner's runs resume soon.
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly string _owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    // The same one-pending-wake-up signal the delivery dispatcher uses, owned here.
    private readonly WakeSignal _wake = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        store.Committed += OnCommitted;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var claimed = 0;
                try
                {
                    var now = time.GetUtcNow();
                    var runs = await store.WriteAsync(tx => tx.ClaimRunsAsync(_owner, now, now + Lease, MaxClaim), stoppingToken);
                    claimed = runs.Count;
                    foreach (var run in runs)
                    {
                        await executor.ExecuteAsync(run, _owner, stoppingToken);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.RunnerFailed(logger, ex);
                }
                if (claimed < MaxClaim)
                {
                    await _wake.WaitAsync(PollInterval, time, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            store.Committed -= OnCommitted;
        }
    }

    private void OnCommitted(StoreCommit commit)
    {
        if (commit.RunsQueued > 0)
        {
            _wake.Notify();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.AutomationRunnerFailed, Level = LogLevel.Error, Message = "Could not claim automation runs")]
        public static partial void RunnerFailed(ILogger logger, Exception exception);
    }
}

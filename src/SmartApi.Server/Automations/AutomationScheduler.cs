using System.Text.Json;
using SmartApi.Server.Devices;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Automations;

/// <summary>
/// The engine's clock, on <see cref="TimeProvider"/>: every second (or when an automation changes)
/// it claims due schedule occurrences, fires power triggers whose forSeconds passed without a new
/// sample, and stores due reverts. Every step is a conditional write, so any number of nodes can
/// run it and each occurrence, crossing and revert happens once.
/// </summary>
internal sealed partial class AutomationScheduler(
    ISmartApiStore store,
    PowerTriggers powerTriggers,
    DeviceService devices,
    IdGenerator ids,
    TimeProvider time,
    ILogger<AutomationScheduler> logger) : BackgroundService
{
    public static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);
    /// <summary>How often the power trigger index is reloaded for changes made on other nodes.</summary>
    public static readonly TimeSpan IndexRefreshInterval = TimeSpan.FromSeconds(10);
    private const int Batch = 100;

    private readonly WakeSignal _wake = new();

    /// <summary>Looks again now (an automation changed).</summary>
    public void Wake() => _wake.Notify();

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Before ingestion starts, so a restarted node evaluates power triggers from its first sample.
        await powerTriggers.RefreshAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Monotonic: measured with the wall clock, a step back would stop the refreshes for the step.
        var refreshedAt = time.GetTimestamp();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var now = time.GetUtcNow();
                try
                {
                    if (time.GetElapsedTime(refreshedAt) >= IndexRefreshInterval)
                    {
                        refreshedAt = time.GetTimestamp();
                        await powerTriggers.RefreshAsync(stoppingToken);
                    }
                    await FireSchedulesAsync(now, stoppingToken);
                    await powerTriggers.FireDueAsync(now, stoppingToken);
                    await StoreDueCommandsAsync(now, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.TickFailed(logger, ex);
                }
                await _wake.WaitAsync(TickInterval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Claims each due occurrence by moving next_fire_at from the value read to the next occurrence
    /// after now; the node whose update matched queues the run. After downtime the latest missed
    /// occurrence fires once and the earlier ones are only counted.
    /// </summary>
    public async Task FireSchedulesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var rule in await store.ListDueSchedulesAsync(now, Batch, cancellationToken))
        {
            var automation = await store.GetAutomationAsync(rule.OrganizationId, rule.AutomationId, cancellationToken);
            if (automation is null || AutomationDefinition.FromJson(automation.DefinitionJson).Trigger.Schedule is not { } trigger)
            {
                continue;
            }
            var schedule = CronSchedule.Create(trigger.Cron!, trigger.TimeZone);
            var expected = rule.NextFireAt!.Value;
            var latest = schedule.Latest(expected, now);
            var next = schedule.Next(now);
            await store.WriteAsync(async tx =>
            {
                if (!await tx.ClaimScheduleAsync(automation.Id, expected, next) || latest is not { } fire)
                {
                    return false;
                }
                var info = JsonSerializer.Serialize(new RunTriggerInfo(ScheduledFor: fire.Occurrence, Missed: fire.Missed > 0 ? fire.Missed : null),
                    AutomationJsonContext.Default.RunTriggerInfo);
                await tx.InsertRunAsync(new AutomationRun(ids.New("run"), automation.OrganizationId, automation.Id, RunStatus.Pending,
                    RuleKind.Schedule, null, info, fire.Occurrence, null, null, now, null));
                return true;
            }, cancellationToken);
        }
    }

    /// <summary>Stores due reverts; taking the row and storing the command commit together.</summary>
    private async Task StoreDueCommandsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var due in await store.ListDueScheduledCommandsAsync(now, Batch, cancellationToken))
        {
            await store.WriteAsync(async tx =>
            {
                if (await tx.TakeScheduledCommandAsync(due.Id))
                {
                    await devices.StoreCommandAsync(tx, due.OrganizationId, due.DeviceId, due.State, new CommandOrigin(due.Source, due.AutomationId, due.Depth));
                }
                return true;
            }, cancellationToken);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.AutomationSchedulerFailed, Level = LogLevel.Error, Message = "The automation scheduler's round failed; it runs again in a second")]
        public static partial void TickFailed(ILogger logger, Exception exception);
    }
}

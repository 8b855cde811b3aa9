using SmartApi.Webhooks.Events;
using System.Text.Json;
using SmartApi.Contracts;
using SmartApi.Server.Events;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Mqtt;

/// <summary>
/// Publishes pending commands to <c>devices/{serial}/commands</c>, whoever stored them (the API,
/// automations, schedules). Commands are claimed with a lease, like webhook deliveries, so nodes
/// never publish the same command at once and a dead node's claims lapse. Only commands of devices
/// that listen now are claimed: a command to an offline device waits until it comes back or its
/// time runs out. Expiry reads the database, so it holds across restarts.
/// </summary>
internal sealed partial class CommandDispatcher(
    ISmartApiStore store,
    MqttTransport transport,
    DeviceDirectory directory,
    EventFactory events,
    GatewayMetrics metrics,
    TimeProvider time,
    ILogger<CommandDispatcher> logger) : BackgroundService
{
    public const int MaxClaim = 256;
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private readonly string _owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private readonly WakeSignal _signal = new();
    // A monotonic timestamp: measured with the wall clock, a step back would stop the sweep for the step.
    private long? _expiredAt;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        store.Committed += OnCommitted;
        transport.DeviceListening += Wake;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var claimed = 0;
                try
                {
                    if (_expiredAt is not { } swept || time.GetElapsedTime(swept) >= PollInterval)
                    {
                        _expiredAt = time.GetTimestamp();
                        await ExpireAsync(stoppingToken);
                    }
                    if (transport.CanPublish)
                    {
                        claimed = await PublishDueAsync(stoppingToken);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.LoopFailed(logger, ex);
                }
                if (claimed < MaxClaim)
                {
                    await _signal.WaitAsync(PollInterval, time, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            store.Committed -= OnCommitted;
            transport.DeviceListening -= Wake;
        }
    }

    private void Wake(object? sender, EventArgs e) => _signal.Notify();

    private void OnCommitted(StoreCommit commit)
    {
        if (commit.CommandsQueued)
        {
            _signal.Notify();
        }
    }

    private async Task<int> PublishDueAsync(CancellationToken cancellationToken)
    {
        var listening = transport.ListeningDevices;
        if (listening is { Count: 0 })
        {
            return 0;
        }
        var now = time.GetUtcNow();
        var claimed = await store.WriteAsync(tx => tx.ClaimCommandsAsync(_owner, now, now + Lease, MaxClaim, listening), cancellationToken);
        var delivered = new List<string>(claimed.Count);
        foreach (var command in claimed)
        {
            var serial = await directory.SerialOfAsync(command.OrganizationId, command.DeviceId, cancellationToken);
            if (serial is null)
            {
                continue;
            }
            var payload = JsonSerializer.SerializeToUtf8Bytes(new DeviceCommand(command.Id, command.Action, command.State), DeviceProtocolJsonContext.Default.DeviceCommand);
            if (await transport.PublishAsync(DeviceTopics.For(serial, DeviceTopics.Commands), payload, retain: false, cancellationToken))
            {
                delivered.Add(command.Id);
            }
            else
            {
                // Left claimed: the lease lapses and the command is published again (or expires).
                Log.PublishFailed(logger, command.Id);
            }
        }
        if (delivered.Count > 0)
        {
            await store.WriteAsync(tx => tx.MarkCommandsDeliveredAsync(delivered, time.GetUtcNow()), cancellationToken);
            metrics.Command("published", delivered.Count);
        }
        return claimed.Count;
    }

    private async Task ExpireAsync(CancellationToken cancellationToken)
    {
        int expired;
        do
        {
            expired = await store.WriteAsync(async tx =>
            {
                var commands = await tx.ExpireCommandsAsync(time.GetUtcNow(), MaxClaim);
                foreach (var command in commands)
                {
                    await tx.AppendEventAsync(events.Create(WebhookEventTypes.CommandExpired, command.OrganizationId,
                        new CommandData(command.DeviceId, EventFactory.AssignedOnAppend, command.Id, command.Action, command.Error)));
                }
                return commands.Count;
            }, cancellationToken);
            if (expired > 0)
            {
                metrics.Command("expired", expired);
            }
        }
        while (expired == MaxClaim);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.CommandPublishFailed, Level = LogLevel.Warning, Message = "Could not publish command {CommandId}; it is retried when its lease lapses")]
        public static partial void PublishFailed(ILogger logger, string commandId);

        [LoggerMessage(EventId = LogEvents.CommandLoopFailed, Level = LogLevel.Error, Message = "The command dispatcher failed a round")]
        public static partial void LoopFailed(ILogger logger, Exception exception);
    }
}

namespace SmartApi.Storage.Compliance;

/// <summary>Which webhooks an appended event queues deliveries for (the outbox, written with the event).</summary>
public abstract class MatchingComplianceTests : OutboxComplianceTests
{
    [Fact]
    public async Task AppendEvent_StarSubscription_QueuesOnePendingDeliveryPerEvent()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var (automation, webhook) = await CreateAutomationAsync(organization.Id);

        var online = await AppendAsync(NewEvent(organization.Id, "device.online", device.Id));
        Time.Advance(TimeSpan.FromSeconds(1));
        var test = await AppendAsync(NewEvent(organization.Id, "automation.disabled"));

        var deliveries = await DeliveriesAsync(organization.Id);
        Assert.Equal([online.Id, test.Id], deliveries.Select(d => d.EventId));
        var first = deliveries[0];
        Assert.StartsWith("dlv_", first.Id, StringComparison.Ordinal);
        Assert.Equal((organization.Id, automation.Id, webhook.Id, "device.online", device.Id), (first.OrganizationId, first.AutomationId, first.WebhookId, first.EventType, first.DeviceId));
        Assert.Equal((DeliveryStatus.Pending, 0, (int?)null, (string?)null), (first.Status, first.Attempts, first.LastStatusCode, first.LastError));
        Assert.Equal(online.CreatedAt, first.NextAttemptAt);
        Assert.Equal(online.CreatedAt, first.CreatedAt);
        Assert.Null(deliveries[1].DeviceId);
        Assert.Equal(test.CreatedAt, deliveries[1].NextAttemptAt);
        Assert.Equal(2, await Store.CountPendingDeliveriesAsync(Token));
    }

    [Fact]
    public async Task AppendEvent_ThenClaimInTheSameUnit_SeesItsOwnDelivery()
    {
        // A provider may buffer a unit's appends until the commit; whatever the unit does next must
        // still see them (here: the delivery the append queued).
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id);
        var newEvent = NewEvent(organization.Id);
        var now = Time.GetUtcNow();

        var claimed = await WriteAsync(async tx =>
        {
            await tx.AppendEventAsync(newEvent);
            return await tx.ClaimDeliveriesAsync("worker", now, now.AddMinutes(1), 10);
        });

        Assert.Equal(newEvent.Id, Assert.Single(claimed).Event.Id);
    }

    [Fact]
    public async Task AppendEvent_TypeList_MatchesOnlyThoseTypes()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id, [new("device.online", null), new("device.offline", null)]);

        var online = await AppendAsync(NewEvent(organization.Id, "device.online"));
        await AppendAsync(NewEvent(organization.Id, "device.switched"));
        var offline = await AppendAsync(NewEvent(organization.Id, "device.offline"));

        Assert.Equal([online.Id, offline.Id], (await DeliveriesAsync(organization.Id)).Select(d => d.EventId));
    }

    [Fact]
    public async Task AppendEvent_OverlappingSubscriptions_QueueOneDeliveryPerWebhook()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        await CreateAutomationAsync(organization.Id, [new("*", null), new("device.online", null), new("device.online", device.Id), new("*", device.Id)]);

        await AppendAsync(NewEvent(organization.Id, "device.online", device.Id));

        Assert.Single(await DeliveriesAsync(organization.Id));
    }

    [Fact]
    public async Task AppendEvent_DeviceNarrowedSubscription_MatchesOnlyThoseDevices()
    {
        var organization = await CreateOrganizationAsync();
        var watched = await CreateDeviceAsync(organization.Id);
        var alsoWatched = await CreateDeviceAsync(organization.Id);
        var unwatched = await CreateDeviceAsync(organization.Id);
        await CreateAutomationAsync(organization.Id, [new("*", watched.Id), new("*", alsoWatched.Id)]);

        var a = await AppendAsync(NewEvent(organization.Id, "device.online", watched.Id));
        await AppendAsync(NewEvent(organization.Id, "device.online", unwatched.Id));
        await AppendAsync(NewEvent(organization.Id, "automation.disabled"));
        var b = await AppendAsync(NewEvent(organization.Id, "device.switched", alsoWatched.Id));

        Assert.Equal([a.Id, b.Id], (await DeliveriesAsync(organization.Id)).Select(d => d.EventId));
    }

    [Fact]
    public async Task AppendEvent_TypeAndDeviceSubscription_NeedsBoth()
    {
        var organization = await CreateOrganizationAsync();
        var watched = await CreateDeviceAsync(organization.Id);
        var other = await CreateDeviceAsync(organization.Id);
        await CreateAutomationAsync(organization.Id, [new("device.switched", watched.Id)]);

        var match = await AppendAsync(NewEvent(organization.Id, "device.switched", watched.Id));
        await AppendAsync(NewEvent(organization.Id, "device.online", watched.Id));
        await AppendAsync(NewEvent(organization.Id, "device.switched", other.Id));
        await AppendAsync(NewEvent(organization.Id, "device.switched"));

        Assert.Equal([match.Id], (await DeliveriesAsync(organization.Id)).Select(d => d.EventId));
    }

    [Fact]
    public async Task AppendEvent_DisabledAutomationOrWebhook_QueuesNothingForThem()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id, enabled: false);
        var automation = NewAutomation(organization.Id);
        await SaveAsync(automation, [Hook(0), Hook(1)], Everything);
        var webhooks = await Store.ListWebhooksAsync(automation.Id, Token);
        await WriteAsync(tx => tx.DisableWebhookAsync(webhooks[0].Id, "failing", Time.GetUtcNow()));

        await AppendAsync(NewEvent(organization.Id));

        Assert.Equal([webhooks[1].Id], (await DeliveriesAsync(organization.Id)).Select(d => d.WebhookId));
    }

    [Fact]
    public async Task AppendEvent_OtherOrganizations_NeverMatch()
    {
        var owner = await CreateOrganizationAsync("Owner");
        var other = await CreateOrganizationAsync("Other");
        var device = await CreateDeviceAsync(owner.Id);
        await CreateAutomationAsync(other.Id);
        await CreateAutomationAsync(other.Id, [new("*", device.Id)]);

        await AppendAsync(NewEvent(owner.Id, "device.online", device.Id));

        Assert.Empty(await DeliveriesAsync(owner.Id));
        Assert.Empty(await DeliveriesAsync(other.Id));
        Assert.Equal(0, await Store.CountPendingDeliveriesAsync(Token));
    }

    [Fact]
    public async Task AppendEvent_TargetAutomation_QueuesOnlyItsActiveWebhooks()
    {
        var organization = await CreateOrganizationAsync();
        var other = await CreateOrganizationAsync("Other");
        await CreateAutomationAsync(organization.Id);
        var target = NewAutomation(organization.Id);
        await SaveAsync(target, [Hook(0), Hook(1), Hook(2)], [new("device.online", null)]);
        var webhooks = await Store.ListWebhooksAsync(target.Id, Token);
        await WriteAsync(tx => tx.DisableWebhookAsync(webhooks[1].Id, "gone", Time.GetUtcNow()));

        var test = await AppendAsync(NewEvent(organization.Id, "automation.test") with { TargetAutomationId = target.Id });
        var foreign = await AppendAsync(NewEvent(other.Id, "automation.test") with { TargetAutomationId = target.Id });

        var deliveries = await DeliveriesAsync(organization.Id);
        Assert.Equal([webhooks[0].Id, webhooks[2].Id], deliveries.Select(d => d.WebhookId).Order(StringComparer.Ordinal));
        Assert.All(deliveries, d => Assert.Equal((test.Id, target.Id), (d.EventId, d.AutomationId)));
        Assert.Empty(await DeliveriesAsync(other.Id, new DeliveryFilter(EventId: foreign.Id)));
    }

    [Fact]
    public async Task AppendEvent_RolledBack_QueuesNothingAndRaisesNothing()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id);
        var raised = 0;
        Store.Committed += commit => Interlocked.Add(ref raised, commit.DeliveriesQueued > 0 ? 1 : 0);
        var newEvent = NewEvent(organization.Id);

        await Assert.ThrowsAsync<InvalidOperationException>(() => WriteAsync<bool>(async tx =>
        {
            await tx.AppendEventAsync(newEvent);
            throw new InvalidOperationException("rolled back");
        }));
        await AppendAsync(NewEvent(organization.Id, "device.offline") with { TargetAutomationId = Ids.New("aut") });

        Assert.Null(await Store.GetEventAsync(organization.Id, newEvent.Id, Token));
        Assert.Empty(await DeliveriesAsync(organization.Id));
        Assert.Equal(0, await Store.CountPendingDeliveriesAsync(Token));
        Assert.Equal(0, Volatile.Read(ref raised));
    }

    [Fact]
    public async Task DeliveriesQueued_UnitRolledBackBesideOthers_NotRaisedForItsDeliveries()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id, [new("device.online", null)]);
        var raised = 0;
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Store.Committed += commit =>
        {
            if (commit.DeliveriesQueued == 0)
            {
                return;
            }
            Interlocked.Increment(ref raised);
            signal.TrySetResult();
        };
        // The gate holds the writer so that the failing unit is committed beside good ones (group commit).
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gated = WriteAsync(async tx =>
        {
            await gate.Task;
            await tx.InsertDeviceAsync(NewDevice(organization.Id));
        });
        var doomed = WriteAsync<bool>(async tx =>
        {
            await tx.AppendEventAsync(NewEvent(organization.Id, "device.online"));
            throw new InvalidOperationException("rolled back");
        });
        var good = Enumerable.Range(0, 3).Select(_ => AppendAsync(NewEvent(organization.Id, "device.offline"))).ToList();
        gate.SetResult();

        await Assert.ThrowsAsync<InvalidOperationException>(() => doomed);
        await Task.WhenAll(good.Append(gated));
        await AppendAsync(NewEvent(organization.Id, "device.online"));
        await signal.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        await CreateDeviceAsync(organization.Id);

        Assert.Equal(1, Volatile.Read(ref raised));
        Assert.Equal(1, await Store.CountPendingDeliveriesAsync(Token));
    }

    [Fact]
    public async Task DeliveriesQueued_RaisedAfterCommitOnlyWhenDeliveriesWereQueued()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id, [new("device.online", null)]);
        var raised = new List<long>();
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Store.Committed += commit =>
        {
            if (commit.DeliveriesQueued == 0)
            {
                return;
            }
            // Committed already: a reader sees the deliveries.
            var pending = Store.CountPendingDeliveriesAsync(CancellationToken.None).GetAwaiter().GetResult();
            lock (raised)
            {
                raised.Add(pending);
            }
            signal.TrySetResult();
        };

        await AppendAsync(NewEvent(organization.Id, "device.offline"));
        await CreateDeviceAsync(organization.Id);
        await AppendAsync(NewEvent(organization.Id, "device.online"));
        await signal.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        await CreateDeviceAsync(organization.Id);

        lock (raised)
        {
            Assert.Equal([1L], raised);
        }
    }

    [Fact]
    public async Task AppendEvent_ThousandsOfAutomations_QueuesExactlyTheMatchingOnes()
    {
        var organization = await CreateOrganizationAsync();
        var other = await CreateOrganizationAsync("Other");
        var devices = new List<Device>();
        for (var i = 0; i < 5; i++)
        {
            devices.Add(await CreateDeviceAsync(organization.Id));
        }
        var automations = new List<(Automation Automation, Subscription[] Subscriptions)>();
        for (var i = 0; i < 2000; i++)
        {
            var device = devices[i % 4].Id;
            Subscription[] subscriptions = (i % 5) switch
            {
                0 => Everything,
                1 => [new("device.switched", null)],
                2 => [new("*", device)],
                3 => [new("device.online", device), new("device.offline", device)],
                _ => [new("device.button_pressed", null), new("device.switched", devices[(i + 1) % 4].Id)],
            };
            automations.Add((NewAutomation(organization.Id, enabled: i % 7 != 0, name: $"A{i}"), subscriptions));
        }
        await WriteAsync(async tx =>
        {
            foreach (var (automation, subscriptions) in automations)
            {
                await tx.SaveAutomationAsync(automation, [Hook()], subscriptions);
            }
            await tx.SaveAutomationAsync(NewAutomation(other.Id), [Hook()], Everything);
        });

        NewEvent[] events =
        [
            NewEvent(organization.Id, "device.online", devices[1].Id),
            NewEvent(organization.Id, "device.switched"),
            NewEvent(organization.Id, "device.switched", devices[2].Id),
            NewEvent(organization.Id, "device.energy.reported", devices[4].Id),
            NewEvent(organization.Id, "device.button_pressed", devices[0].Id),
        ];
        foreach (var newEvent in events)
        {
            await AppendAsync(newEvent);
        }

        var total = 0;
        foreach (var newEvent in events)
        {
            var expected = automations
                .Where(a => a.Automation.Enabled && a.Subscriptions.Any(s =>
                    (s.EventType == "*" || s.EventType == newEvent.Type) && (s.DeviceId is null || s.DeviceId == newEvent.DeviceId)))
                .Select(a => a.Automation.Id)
                .Order(StringComparer.Ordinal)
                .ToList();
            var actual = await ReadAllPagesAsync(
                after => Store.ListDeliveriesAsync(organization.Id, new DeliveryFilter(EventId: newEvent.Id), new PageRequest(after, 500), Token), d => d.Id, 500);
            Assert.NotEmpty(expected);
            Assert.Equal(expected, actual.Select(d => d.AutomationId).Order(StringComparer.Ordinal));
            total += expected.Count;
        }
        Assert.Equal(total, await Store.CountPendingDeliveriesAsync(Token));
    }
}

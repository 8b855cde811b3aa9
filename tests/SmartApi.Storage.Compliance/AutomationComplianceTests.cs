namespace SmartApi.Storage.Compliance;

public abstract class AutomationComplianceTests : OutboxComplianceTests
{
    [Fact]
    public async Task GetOrganizationUsage_CountsOwnDevicesAutomationsAndLiveWebhooksOnly()
    {
        var organization = await CreateOrganizationAsync();
        var other = await CreateOrganizationAsync("Other");
        Assert.Equal(new OrganizationUsage(0, 0, 0), await Store.GetOrganizationUsageAsync(organization.Id, Token));
        await CreateDeviceAsync(organization.Id);
        await CreateDeviceAsync(organization.Id);
        await CreateDeviceAsync(other.Id);
        var automation = NewAutomation(organization.Id);
        await SaveAsync(automation, [Hook(0), Hook(1), Hook(2)], Everything);
        await CreateAutomationAsync(other.Id);

        Assert.Equal(new OrganizationUsage(2, 1, 3), await Store.GetOrganizationUsageAsync(organization.Id, Token));

        // An update that drops actions keeps their rows as removed: they no longer count.
        await SaveAsync(automation, [Hook(0)], Everything);
        Assert.Equal(new OrganizationUsage(2, 1, 1), await Store.GetOrganizationUsageAsync(organization.Id, Token));
    }

    [Fact]
    public async Task SaveAutomation_New_StoresAutomationAndActiveWebhooksByActionIndex()
    {
        var organization = await CreateOrganizationAsync();
        var automation = NewAutomation(organization.Id);

        await SaveAsync(automation, [Hook(1, "https://b.example.com/", ordered: true, headersJson: """{"X-A":"1"}"""), Hook(0, standard: true)], Everything);
        var webhooks = await Store.ListWebhooksAsync(automation.Id, Token);

        Assert.Equal(automation, await Store.GetAutomationAsync(organization.Id, automation.Id, Token));
        Assert.Equal([0, 1], webhooks.Select(w => w.ActionIndex));
        Assert.All(webhooks, w =>
        {
            Assert.StartsWith("whk_", w.Id, StringComparison.Ordinal);
            Assert.Equal(organization.Id, w.OrganizationId);
            Assert.Equal(automation.Id, w.AutomationId);
            Assert.Equal(WebhookStatus.Active, w.Status);
            Assert.Null(w.DisabledReason);
            Assert.Null(w.FailingSince);
            Assert.Equal(automation.UpdatedAt, w.CreatedAt);
        });
        Assert.Equal((Url, "{}", false, true), (webhooks[0].Url, webhooks[0].HeadersJson, webhooks[0].Ordered, webhooks[0].StandardWebhooks));
        Assert.Equal(("https://b.example.com/", """{"X-A":"1"}""", true, false),
            (webhooks[1].Url, webhooks[1].HeadersJson, webhooks[1].Ordered, webhooks[1].StandardWebhooks));
    }

    [Fact]
    public async Task ListWebhooks_SeveralAutomations_ReturnsTheirWebhooksIncludingRemovedOnes()
    {
        var organization = await CreateOrganizationAsync();
        var (first, firstHook) = await CreateAutomationAsync(organization.Id);
        var (second, _) = await CreateAutomationAsync(organization.Id);
        var (other, _) = await CreateAutomationAsync(organization.Id);
        // The second automation's action 0 is replaced by action 1: its old webhook is removed.
        await SaveAsync(second, [Hook(index: 1, url: "https://erp.example.com/other")], Everything);

        var webhooks = await Store.ListWebhooksAsync([first.Id, second.Id], Token);

        Assert.DoesNotContain(webhooks, w => w.AutomationId == other.Id);
        Assert.Contains(webhooks, w => w.Id == firstHook.Id);
        Assert.Equal([WebhookStatus.Removed, WebhookStatus.Active], webhooks.Where(w => w.AutomationId == second.Id).Select(w => w.Status));
        Assert.Empty(await Store.ListWebhooksAsync([], Token));
    }

    [Fact]
    public async Task ReplaceWebhookHeadersAndDefinition_CompareAndSet_WriteOnlyWhileUnchanged()
    {
        var organization = await CreateOrganizationAsync();
        var automation = NewAutomation(organization.Id);
        await SaveAsync(automation, [Hook(0, headersJson: """{"X-A":"1"}""")], Everything);
        var hook = Assert.Single(await Store.ListWebhooksAsync(automation.Id, Token));

        Assert.True(await Store.WriteAsync(tx => tx.ReplaceWebhookHeadersAsync(hook.Id, """{"X-A":"1"}""", """{"X-A":"enc"}"""), Token));
        // A second writer that read the old value loses: nothing it computed from stale data is stored.
        Assert.False(await Store.WriteAsync(tx => tx.ReplaceWebhookHeadersAsync(hook.Id, """{"X-A":"1"}""", """{"X-A":"stale"}"""), Token));
        Assert.True(await Store.WriteAsync(tx => tx.ReplaceAutomationDefinitionAsync(automation.Id, automation.DefinitionJson, """{"v":"enc"}"""), Token));
        Assert.False(await Store.WriteAsync(tx => tx.ReplaceAutomationDefinitionAsync(automation.Id, automation.DefinitionJson, """{"v":"stale"}"""), Token));
        Assert.False(await Store.WriteAsync(tx => tx.ReplaceWebhookHeadersAsync("whk_missing", "{}", "{}"), Token));

        Assert.Equal("""{"X-A":"enc"}""", Assert.Single(await Store.ListWebhooksAsync(automation.Id, Token)).HeadersJson);
        Assert.Equal(automation with { DefinitionJson = """{"v":"enc"}""" }, await Store.GetAutomationAsync(organization.Id, automation.Id, Token));
    }

    [Fact]
    public async Task ListWebhooksWithHeaders_EveryOrganization_PagesInIdOrderAndSkipsEmptyHeaders()
    {
        var first = await CreateOrganizationAsync();
        var second = await CreateOrganizationAsync("Other");
        var withHeaders = NewAutomation(first.Id);
        await SaveAsync(withHeaders, [Hook(0, headersJson: """{"X-A":"1"}"""), Hook(1)], Everything);
        var removed = NewAutomation(second.Id);
        await SaveAsync(removed, [Hook(0, headersJson: """{"X-B":"2"}""")], Everything);
        await SaveAsync(removed, [Hook(1)], Everything); // the headed webhook is removed, and still listed

        var listed = new List<Webhook>();
        var after = "";
        while (await Store.ListWebhooksWithHeadersAsync(after, 1, Token) is { Count: > 0 } page)
        {
            Assert.Single(page);
            listed.AddRange(page);
            after = page[^1].Id;
        }

        Assert.Equal(listed.Select(w => w.Id).Order(StringComparer.Ordinal), listed.Select(w => w.Id));
        Assert.DoesNotContain(listed, w => w.HeadersJson == "{}");
        var ours = listed.Where(w => w.AutomationId == withHeaders.Id || w.AutomationId == removed.Id).ToList();
        Assert.Equal([("""{"X-A":"1"}""", WebhookStatus.Active), ("""{"X-B":"2"}""", WebhookStatus.Removed)],
            ours.OrderBy(w => w.HeadersJson, StringComparer.Ordinal).Select(w => (w.HeadersJson, w.Status)));
    }

    [Fact]
    public async Task SaveAutomation_IdOfAnotherOrganization_ThrowsAndChangesNothing()
    {
        var owner = await CreateOrganizationAsync();
        var intruder = await CreateOrganizationAsync("Other");
        var (automation, _) = await CreateAutomationAsync(owner.Id);

        var hijack = automation with { OrganizationId = intruder.Id, Name = "hijacked" };
        await Assert.ThrowsAsync<DuplicateKeyException>(() => SaveAsync(hijack, [Hook(url: "https://attacker.example/hook")], Everything));

        var stored = await Store.GetAutomationAsync(owner.Id, automation.Id, Token);
        Assert.Equal("Forward to ERP", stored!.Name);
        Assert.Equal(Url, Assert.Single(await Store.ListWebhooksAsync(automation.Id, Token)).Url);
    }

    [Fact]
    public async Task SaveAutomation_Update_ReplacesFieldsAndKeepsWebhookIdsByActionIndex()
    {
        var organization = await CreateOrganizationAsync();
        var automation = NewAutomation(organization.Id);
        await SaveAsync(automation, [Hook(0), Hook(1)], Everything);
        var before = await Store.ListWebhooksAsync(automation.Id, Token);
        Time.Advance(TimeSpan.FromMinutes(5));

        var updated = automation with { Name = "Renamed", Enabled = false, DefinitionJson = """{"v":2}""", UpdatedAt = Time.GetUtcNow() };
        await SaveAsync(updated, [Hook(0, "https://new.example.com/", ordered: true, headersJson: """{"X-B":"2"}"""), Hook(1), Hook(2)], Everything);
        var after = await Store.ListWebhooksAsync(automation.Id, Token);

        Assert.Equal(updated, await Store.GetAutomationAsync(organization.Id, automation.Id, Token));
        Assert.Equal([0, 1, 2], after.Select(w => w.ActionIndex));
        Assert.Equal(before[0].Id, after[0].Id);
        Assert.Equal(before[1].Id, after[1].Id);
        Assert.DoesNotContain(after[2].Id, before.Select(w => w.Id));
        Assert.Equal(("https://new.example.com/", """{"X-B":"2"}""", true), (after[0].Url, after[0].HeadersJson, after[0].Ordered));
        Assert.Equal(before[0].CreatedAt, after[0].CreatedAt);
    }

    [Fact]
    public async Task SaveAutomation_DroppedAction_RemovesWebhookAndFailsItsPendingDeliveries()
    {
        var organization = await CreateOrganizationAsync();
        var automation = NewAutomation(organization.Id);
        await SaveAsync(automation, [Hook(0), Hook(1)], Everything);
        var webhooks = await Store.ListWebhooksAsync(automation.Id, Token);
        var first = await AppendAsync(NewEvent(organization.Id));
        var queued = await DeliveriesAsync(organization.Id);

        await SaveAsync(automation with { UpdatedAt = Time.GetUtcNow() }, [Hook(0)], Everything);
        var second = await AppendAsync(NewEvent(organization.Id));

        Assert.Equal([webhooks[0]], await Store.ListWebhooksAsync(automation.Id, Token));
        var dropped = await DeliveryAsync(organization.Id, queued.Single(d => d.WebhookId == webhooks[1].Id).Id);
        Assert.Equal(DeliveryStatus.Failed, dropped.Status);
        Assert.NotNull(dropped.LastError);
        Assert.Equal(DeliveryStatus.Pending, (await DeliveryAsync(organization.Id, queued.Single(d => d.WebhookId == webhooks[0].Id).Id)).Status);
        Assert.Equal([webhooks[0].Id], (await DeliveriesAsync(organization.Id, new DeliveryFilter(EventId: second.Id))).Select(d => d.WebhookId));
        Assert.Equal(2, (await DeliveriesAsync(organization.Id, new DeliveryFilter(EventId: first.Id))).Count);
        Assert.Equal(2, await Store.CountPendingDeliveriesAsync(Token));
    }

    [Fact]
    public async Task SaveAutomation_DroppedThenAddedAgain_GetsANewWebhook()
    {
        var organization = await CreateOrganizationAsync();
        var automation = NewAutomation(organization.Id);
        await SaveAsync(automation, [Hook(0), Hook(1)], Everything);
        var original = (await Store.ListWebhooksAsync(automation.Id, Token))[1];

        await SaveAsync(automation, [Hook(0)], Everything);
        await SaveAsync(automation, [Hook(0), Hook(1)], Everything);
        var webhooks = await Store.ListWebhooksAsync(automation.Id, Token);

        Assert.Equal([0, 1], webhooks.Select(w => w.ActionIndex));
        Assert.NotEqual(original.Id, webhooks[1].Id);
        Assert.All(webhooks, w => Assert.Equal(WebhookStatus.Active, w.Status));
    }

    [Fact]
    public async Task SaveAutomation_Again_ReactivatesDisabledWebhookWithSameId()
    {
        var organization = await CreateOrganizationAsync();
        var (automation, webhook) = await CreateAutomationAsync(organization.Id);
        Assert.True(await WriteAsync(tx => tx.DisableWebhookAsync(webhook.Id, "gone", Time.GetUtcNow())));
        var disabled = Assert.Single(await Store.ListWebhooksAsync(automation.Id, Token));
        await AppendAsync(NewEvent(organization.Id));

        await SaveAsync(automation, [Hook()], Everything);
        var reactivated = Assert.Single(await Store.ListWebhooksAsync(automation.Id, Token));
        var appended = await AppendAsync(NewEvent(organization.Id));

        Assert.Equal((WebhookStatus.Disabled, "gone"), (disabled.Status, disabled.DisabledReason));
        Assert.Equal(webhook.Id, reactivated.Id);
        Assert.Equal((WebhookStatus.Active, null, null), (reactivated.Status, reactivated.DisabledReason, reactivated.FailingSince));
        Assert.Equal([appended.Id], (await DeliveriesAsync(organization.Id)).Select(d => d.EventId));
    }

    [Fact]
    public async Task SaveAutomation_NewSubscriptions_ReplaceTheOldOnes()
    {
        var organization = await CreateOrganizationAsync();
        var automation = NewAutomation(organization.Id);
        await SaveAsync(automation, [Hook(0), Hook(1)], [new("device.online", null)]);

        await SaveAsync(automation, [Hook(0), Hook(1)], [new("device.offline", null)]);
        await AppendAsync(NewEvent(organization.Id, "device.online"));
        var offline = await AppendAsync(NewEvent(organization.Id, "device.offline"));

        var deliveries = await DeliveriesAsync(organization.Id);
        Assert.Equal(2, deliveries.Count);
        Assert.All(deliveries, d => Assert.Equal(offline.Id, d.EventId));
    }

    [Fact]
    public async Task ListWebhooks_UnknownAutomation_ReturnsEmpty() =>
        Assert.Empty(await Store.ListWebhooksAsync(Ids.New("aut"), Token));

    [Fact]
    public async Task GetAutomation_OtherOrganizationOrUnknown_ReturnsNull()
    {
        var owner = await CreateOrganizationAsync("Owner");
        var other = await CreateOrganizationAsync("Other");
        var (automation, _) = await CreateAutomationAsync(owner.Id);

        Assert.Null(await Store.GetAutomationAsync(other.Id, automation.Id, Token));
        Assert.Null(await Store.GetAutomationAsync(owner.Id, Ids.New("aut"), Token));
        Assert.Empty((await Store.ListAutomationsAsync(other.Id, new PageRequest(null, 10), Token)).Items);
    }

    [Fact]
    public async Task ListAutomations_SeveralPages_ReturnsOwnInIdOrder()
    {
        var organization = await CreateOrganizationAsync();
        var other = await CreateOrganizationAsync("Other");
        var created = new List<Automation>();
        for (var i = 0; i < 7; i++)
        {
            var automation = NewAutomation(organization.Id, name: $"A{i}");
            await SaveAsync(automation, [Hook()], Everything);
            created.Add(automation);
            await CreateAutomationAsync(other.Id);
        }

        var first = await Store.ListAutomationsAsync(organization.Id, new PageRequest(null, 3), Token);
        var all = await ReadAllPagesAsync(after => Store.ListAutomationsAsync(organization.Id, new PageRequest(after, 3), Token), a => a.Id, 3);
        var afterLast = await Store.ListAutomationsAsync(organization.Id, new PageRequest(created[^1].Id, 3), Token);

        Assert.True(first.HasMore);
        Assert.Equal(created.Take(3), first.Items);
        Assert.Equal(created, all);
        Assert.Empty(afterLast.Items);
        Assert.False(afterLast.HasMore);
    }

    [Fact]
    public async Task DeleteAutomation_Cascades_ToWebhooksSecretsDeliveriesAndAttempts()
    {
        var organization = await CreateOrganizationAsync();
        var (automation, webhook) = await CreateAutomationAsync(organization.Id);
        var (survivor, _) = await CreateAutomationAsync(organization.Id);
        await WriteAsync(tx => tx.InsertSecretAsync(new AutomationSecret(Ids.New("sec"), automation.Id, "cipher", Time.GetUtcNow(), null)));
        var appended = await AppendAsync(NewEvent(organization.Id));
        var delivery = Assert.Single(await DeliveriesAsync(organization.Id, new DeliveryFilter(AutomationId: automation.Id)));
        await CompleteAsync(Outcome(delivery, DeliveryStatus.Pending, 500, Time.GetUtcNow().AddSeconds(5)));

        Assert.True(await WriteAsync(tx => tx.DeleteAutomationAsync(organization.Id, automation.Id)));

        Assert.Null(await Store.GetAutomationAsync(organization.Id, automation.Id, Token));
        Assert.Empty(await Store.ListWebhooksAsync(automation.Id, Token));
        Assert.Empty(await Store.ListActiveSecretsAsync(automation.Id, Time.GetUtcNow(), Token));
        Assert.Null(await Store.GetDeliveryAsync(organization.Id, delivery.Id, Token));
        Assert.Empty(await Store.ListAttemptsAsync(delivery.Id, Token));
        Assert.Equal([survivor.Id], (await DeliveriesAsync(organization.Id)).Select(d => d.AutomationId));
        Assert.Equal(1, await Store.CountPendingDeliveriesAsync(Token));
        Assert.NotNull(await Store.GetEventAsync(organization.Id, appended.Id, Token));
        Assert.DoesNotContain(webhook.Id, (await ClaimAsync()).Select(c => c.Webhook.Id));
        Assert.False(await WriteAsync(tx => tx.DeleteAutomationAsync(organization.Id, automation.Id)));
    }

    [Fact]
    public async Task DeleteAutomation_OtherOrganization_ReturnsFalseAndKeepsIt()
    {
        var owner = await CreateOrganizationAsync("Owner");
        var other = await CreateOrganizationAsync("Other");
        var (automation, webhook) = await CreateAutomationAsync(owner.Id);

        Assert.False(await WriteAsync(tx => tx.DeleteAutomationAsync(other.Id, automation.Id)));

        Assert.NotNull(await Store.GetAutomationAsync(owner.Id, automation.Id, Token));
        Assert.Equal([webhook], await Store.ListWebhooksAsync(automation.Id, Token));
    }

    [Fact]
    public async Task Secrets_ListActive_NewestFirstAndExpireAtTheTimeGiven()
    {
        var organization = await CreateOrganizationAsync();
        var (automation, _) = await CreateAutomationAsync(organization.Id);
        var (otherAutomation, _) = await CreateAutomationAsync(organization.Id);
        var start = Time.GetUtcNow();
        var old = new AutomationSecret(Ids.New("sec"), automation.Id, "cipher-old", start, null);
        var expired = new AutomationSecret(Ids.New("sec"), automation.Id, "cipher-expired", start, start.AddMinutes(-1));
        var foreign = new AutomationSecret(Ids.New("sec"), otherAutomation.Id, "cipher-foreign", start, null);
        await WriteAsync(async tx =>
        {
            await tx.InsertSecretAsync(old);
            await tx.InsertSecretAsync(expired);
            await tx.InsertSecretAsync(foreign);
        });
        Time.Advance(TimeSpan.FromMinutes(1));
        var rotatedAt = Time.GetUtcNow();
        var until = rotatedAt.AddHours(24);
        var fresh = new AutomationSecret(Ids.New("sec"), automation.Id, "cipher-new", rotatedAt, null);

        Assert.Equal([old], await Store.ListActiveSecretsAsync(automation.Id, rotatedAt, Token));
        await WriteAsync(async tx =>
        {
            await tx.ExpireSecretsAsync(automation.Id, until);
            await tx.InsertSecretAsync(fresh);
        });

        var oldExpiring = old with { ExpiresAt = until };
        Assert.Equal([fresh, oldExpiring], await Store.ListActiveSecretsAsync(automation.Id, rotatedAt, Token));
        Assert.Equal([fresh, oldExpiring], await Store.ListActiveSecretsAsync(automation.Id, until.AddMilliseconds(-1), Token));
        Assert.Equal([fresh], await Store.ListActiveSecretsAsync(automation.Id, until, Token));
        Assert.Equal([foreign], await Store.ListActiveSecretsAsync(otherAutomation.Id, until, Token));
    }

    [Fact]
    public async Task ExpireSecrets_AlreadyExpiringSooner_KeepsTheEarlierTime()
    {
        var organization = await CreateOrganizationAsync();
        var (automation, _) = await CreateAutomationAsync(organization.Id);
        var now = Time.GetUtcNow();
        var soon = new AutomationSecret(Ids.New("sec"), automation.Id, "cipher", now, now.AddHours(1));
        await WriteAsync(tx => tx.InsertSecretAsync(soon));

        await WriteAsync(tx => tx.ExpireSecretsAsync(automation.Id, now.AddHours(24)));

        Assert.Equal([soon], await Store.ListActiveSecretsAsync(automation.Id, now, Token));
        Assert.Empty(await Store.ListActiveSecretsAsync(automation.Id, now.AddHours(1), Token));
    }
}


namespace SmartApi.Storage.Compliance;

public abstract class EventComplianceTests : StorageComplianceTests
{
    [Fact]
    public async Task AppendEvent_Several_AssignsStrictlyIncreasingPositions()
    {
        var organization = await CreateOrganizationAsync();
        var positions = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            positions.Add((await AppendAsync(NewEvent(organization.Id))).Position);
        }

        for (var i = 1; i < positions.Count; i++)
        {
            Assert.True(positions[i] > positions[i - 1]);
        }
    }

    [Fact]
    public async Task AppendEvent_AfterUpdateDeviceInOneUnit_TakesTheNextSequenceOnce()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var events = new List<StoredEvent>();
        for (var i = 0; i < 3; i++)
        {
            var name = "n" + i;
            events.Add(await WriteEventAsync(NewEvent(organization.Id, "device.updated", device.Id), tx => tx.UpdateDeviceAsync(device with { Name = name })));
        }
        // An event of the device without an update in its unit takes the next number too.
        events.Add(await AppendAsync(NewEvent(organization.Id, "device.online", device.Id)));

        var sequences = events.Select(e => System.Text.Json.JsonDocument.Parse(e.DataJson).RootElement.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal([1L, 2, 3, 4], sequences);
    }

    [Fact]
    public async Task AppendEvent_DeviceEvents_NumberEachDeviceFromOne()
    {
        var organization = await CreateOrganizationAsync();
        var first = await CreateDeviceAsync(organization.Id);
        var second = await CreateDeviceAsync(organization.Id);

        var a1 = await AppendAsync(NewEvent(organization.Id, "device.online", first.Id, """{"reason":"boot"}"""));
        var a2 = await AppendAsync(NewEvent(organization.Id, "device.offline", first.Id, "{ }"));
        var b1 = await AppendAsync(NewEvent(organization.Id, "device.online", second.Id));
        var a3 = await AppendAsync(NewEvent(organization.Id, "device.switched", first.Id, """{"state":"on","by":{"type":"api"}}"""));

        Assert.Equal(EventData.Compose(first.Id, 1, """{"reason":"boot"}"""), a1.DataJson);
        Assert.StartsWith($$"""{"deviceId":"{{first.Id}}","sequence":1,""", a1.DataJson, StringComparison.Ordinal);
        Assert.Equal($$"""{"deviceId":"{{first.Id}}","sequence":2}""", a2.DataJson);
        Assert.Equal($$"""{"deviceId":"{{second.Id}}","sequence":1}""", b1.DataJson);
        Assert.Equal($$$"""{"deviceId":"{{{first.Id}}}","sequence":3,"state":"on","by":{"type":"api"}}""", a3.DataJson);
        Assert.Equal(a3, await Store.GetEventAsync(organization.Id, a3.Id, Token));
    }

    [Fact]
    public async Task AppendEvent_WithoutDevice_StoresDataUnchanged()
    {
        var organization = await CreateOrganizationAsync();
        var appended = await AppendAsync(NewEvent(organization.Id, "automation.failed", null, """{"automationId":"aut_1"}"""));

        var stored = await Store.GetEventAsync(organization.Id, appended.Id, Token);

        Assert.Equal("""{"automationId":"aut_1"}""", appended.DataJson);
        Assert.Equal(appended, stored);
        Assert.Null(stored!.DeviceId);
    }

    [Fact]
    public async Task GetEvent_OtherOrganization_ReturnsNullAndEmptyList()
    {
        var owner = await CreateOrganizationAsync("Owner");
        var other = await CreateOrganizationAsync("Other");
        var appended = await AppendAsync(NewEvent(owner.Id));

        Assert.Null(await Store.GetEventAsync(other.Id, appended.Id, Token));
        Assert.Empty((await Store.ListEventsAsync(other.Id, new EventFilter(), new PageRequest(null, 10), Token)).Items);
    }

    [Fact]
    public async Task ListEvents_SeveralPages_ReturnsLogOrderStrictlyAfterCursor()
    {
        var (organization, appended) = await AppendBesideAnotherOrganizationAsync(7);

        var first = await Store.ListEventsAsync(organization.Id, new EventFilter(), new PageRequest(null, 3), Token);
        var afterThird = await Store.ListEventsAsync(organization.Id, new EventFilter(), new PageRequest(appended[2].Id, 100), Token);
        var afterLast = await Store.ListEventsAsync(organization.Id, new EventFilter(), new PageRequest(appended[^1].Id, 100), Token);
        var all = await ReadAllPagesAsync(after => Store.ListEventsAsync(organization.Id, new EventFilter(), new PageRequest(after, 3), Token), e => e.Id, 3);

        Assert.True(first.HasMore);
        Assert.Equal(appended.Take(3), first.Items);
        Assert.Equal(appended.Skip(3), afterThird.Items);
        Assert.False(afterThird.HasMore);
        Assert.Empty(afterLast.Items);
        Assert.False(afterLast.HasMore);
        Assert.Equal(appended, all);
    }

    [Fact]
    public async Task ListEvents_UnknownCursor_ThrowsInvalidCursor()
    {
        var organization = await CreateOrganizationAsync();
        await AppendAsync(NewEvent(organization.Id));
        var unknown = Ids.New("evt");

        var ex = await Assert.ThrowsAsync<InvalidCursorException>(
            () => Store.ListEventsAsync(organization.Id, new EventFilter(), new PageRequest(unknown, 10), Token));

        Assert.Equal(unknown, ex.Cursor);
    }

    [Fact]
    public async Task ListEvents_CursorOfOtherOrganization_ThrowsInvalidCursor()
    {
        var owner = await CreateOrganizationAsync("Owner");
        var other = await CreateOrganizationAsync("Other");
        var foreign = await AppendAsync(NewEvent(other.Id));
        await AppendAsync(NewEvent(owner.Id));

        await Assert.ThrowsAsync<InvalidCursorException>(
            () => Store.ListEventsAsync(owner.Id, new EventFilter(), new PageRequest(foreign.Id, 10), Token));
    }

    [Fact]
    public async Task ListEvents_TypeAndDeviceFilters_ReturnMatchesOnly()
    {
        var organization = await CreateOrganizationAsync();
        var first = await CreateDeviceAsync(organization.Id);
        var second = await CreateDeviceAsync(organization.Id);
        var online1 = await AppendAsync(NewEvent(organization.Id, "device.online", first.Id));
        var switched1 = await AppendAsync(NewEvent(organization.Id, "device.switched", first.Id));
        var online2 = await AppendAsync(NewEvent(organization.Id, "device.online", second.Id));
        var failed = await AppendAsync(NewEvent(organization.Id, "automation.failed"));
        var offline1 = await AppendAsync(NewEvent(organization.Id, "device.offline", first.Id));

        Assert.Equal([online1, online2], await ListAsync(organization.Id, new EventFilter(["device.online"])));
        Assert.Equal([online1, online2, failed], await ListAsync(organization.Id, new EventFilter(["automation.failed", "device.online"])));
        Assert.Equal([online1, switched1, offline1], await ListAsync(organization.Id, new EventFilter(DeviceId: first.Id)));
        Assert.Equal([online1, offline1], await ListAsync(organization.Id, new EventFilter(["device.online", "device.offline"], first.Id)));
        Assert.Equal([online1, switched1, online2, failed, offline1], await ListAsync(organization.Id, new EventFilter([])));
        Assert.Empty(await ListAsync(organization.Id, new EventFilter(["device.unknown"])));
    }

    [Fact]
    public async Task ListEvents_FilterWithCursorOfNonMatchingEvent_ContinuesAfterIt()
    {
        var organization = await CreateOrganizationAsync();
        var online1 = await AppendAsync(NewEvent(organization.Id, "device.online"));
        var offline = await AppendAsync(NewEvent(organization.Id, "device.offline"));
        var online2 = await AppendAsync(NewEvent(organization.Id, "device.online"));

        var page = await Store.ListEventsAsync(organization.Id, new EventFilter(["device.online"]), new PageRequest(offline.Id, 10), Token);

        Assert.Equal([online2], page.Items);
        Assert.DoesNotContain(online1, page.Items);
    }

    [Fact]
    public async Task ListEvents_FilterWithPaging_PagesOverMatchesOnly()
    {
        var organization = await CreateOrganizationAsync();
        var matches = new List<StoredEvent>();
        for (var i = 0; i < 6; i++)
        {
            matches.Add(await AppendAsync(NewEvent(organization.Id, "device.online")));
            await AppendAsync(NewEvent(organization.Id, "device.offline"));
        }
        var filter = new EventFilter(["device.online"]);

        var all = await ReadAllPagesAsync(after => Store.ListEventsAsync(organization.Id, filter, new PageRequest(after, 4), Token), e => e.Id, 4);

        Assert.Equal(matches, all);
    }

    [Fact]
    public async Task ListEvents_NewestFirst_PagesTowardsOlderEventsOfTheOrganizationOnly()
    {
        var (organization, appended) = await AppendBesideAnotherOrganizationAsync(7);
        var newestFirst = new EventFilter(NewestFirst: true);
        appended.Reverse();

        var first = await Store.ListEventsAsync(organization.Id, newestFirst, new PageRequest(null, 3), Token);
        var beforeThird = await Store.ListEventsAsync(organization.Id, newestFirst, new PageRequest(appended[2].Id, 100), Token);
        var beforeOldest = await Store.ListEventsAsync(organization.Id, newestFirst, new PageRequest(appended[^1].Id, 100), Token);
        var all = await ReadAllPagesAsync(after => Store.ListEventsAsync(organization.Id, newestFirst, new PageRequest(after, 3), Token), e => e.Id, 3);

        Assert.True(first.HasMore);
        Assert.Equal(appended.Take(3), first.Items);
        Assert.Equal(appended.Skip(3), beforeThird.Items);
        Assert.False(beforeThird.HasMore);
        Assert.Empty(beforeOldest.Items);
        Assert.Equal(appended, all);
        await Assert.ThrowsAsync<InvalidCursorException>(
            () => Store.ListEventsAsync(organization.Id, newestFirst, new PageRequest(Ids.New("evt"), 10), Token));
    }

    [Fact]
    public async Task ListEvents_NewestFirstWithFilters_ReturnsMatchesNewestFirst()
    {
        var organization = await CreateOrganizationAsync();
        var first = await CreateDeviceAsync(organization.Id);
        var second = await CreateDeviceAsync(organization.Id);
        var online1 = await AppendAsync(NewEvent(organization.Id, "device.online", first.Id));
        var switched1 = await AppendAsync(NewEvent(organization.Id, "device.switched", first.Id));
        var online2 = await AppendAsync(NewEvent(organization.Id, "device.online", second.Id));
        var offline1 = await AppendAsync(NewEvent(organization.Id, "device.offline", first.Id));

        Assert.Equal([online2, online1], await ListAsync(organization.Id, new EventFilter(["device.online"], NewestFirst: true)));
        Assert.Equal([offline1, switched1, online1], await ListAsync(organization.Id, new EventFilter(DeviceId: first.Id, NewestFirst: true)));
        Assert.Equal([offline1, online1], await ListAsync(organization.Id, new EventFilter(["device.online", "device.offline"], first.Id, true)));
        var beforeOnline2 = await Store.ListEventsAsync(organization.Id, new EventFilter(["device.online"], NewestFirst: true), new PageRequest(online2.Id, 10), Token);
        Assert.Equal([online1], beforeOnline2.Items);
    }

    /// <summary>Events of one organization, each followed by one of another organization.</summary>
    private async Task<(Organization Organization, List<StoredEvent> Appended)> AppendBesideAnotherOrganizationAsync(int count)
    {
        var organization = await CreateOrganizationAsync();
        var other = await CreateOrganizationAsync("Other");
        var appended = new List<StoredEvent>();
        for (var i = 0; i < count; i++)
        {
            appended.Add(await AppendAsync(NewEvent(organization.Id)));
            await AppendAsync(NewEvent(other.Id));
        }
        return (organization, appended);
    }

    private async Task<List<StoredEvent>> ListAsync(string organizationId, EventFilter filter) =>
        await ReadAllPagesAsync(after => Store.ListEventsAsync(organizationId, filter, new PageRequest(after, 2), Token), e => e.Id, 2);

    [Fact]
    public async Task GetLatestEventId_IsTheLastAppendedOfTheOrganization()
    {
        var organization = await CreateOrganizationAsync();
        var other = await CreateOrganizationAsync("Other");
        Assert.Null(await Store.GetLatestEventIdAsync(organization.Id, Token));

        await AppendAsync(NewEvent(organization.Id));
        var last = await AppendAsync(NewEvent(organization.Id, "device.offline"));
        await AppendAsync(NewEvent(other.Id));

        Assert.Equal(last.Id, await Store.GetLatestEventIdAsync(organization.Id, Token));
    }

    [Fact]
    public async Task EventsAppended_IsRaisedAfterTheCommitThatAppended()
    {
        var organization = await CreateOrganizationAsync();
        var raised = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Action<StoreCommit> handler = commit =>
        {
            if (commit.EventsAppended > 0)
            {
                raised.TrySetResult();
            }
        };
        Store.Committed += handler;
        try
        {
            var appended = await AppendAsync(NewEvent(organization.Id));
            await raised.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
            // Raised after the commit: a live stream woken by it reads the event.
            Assert.Equal(appended.Id, await Store.GetLatestEventIdAsync(organization.Id, Token));
        }
        finally
        {
            Store.Committed -= handler;
        }
    }
}

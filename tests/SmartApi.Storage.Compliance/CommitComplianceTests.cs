namespace SmartApi.Storage.Compliance;

/// <summary>
/// The one commit notification the background workers wake on (<see cref="ISmartApiStore.Committed"/>),
/// and the unique-violation mapping every provider's dialect supplies.
/// </summary>
public abstract class CommitComplianceTests : OutboxComplianceTests
{
    [Fact]
    public async Task Committed_UnitThatAppendsQueuesAndInsertsACommand_PublishesOneCommitWithItsCountsBeforeTheCallerResumes()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id, [new("device.online", null)]);
        var device = await CreateDeviceAsync(organization.Id);
        var commits = new List<StoreCommit>();
        Store.Committed += commit =>
        {
            lock (commits)
            {
                commits.Add(commit);
            }
        };

        await WriteAsync(async tx =>
        {
            await tx.AppendEventAsync(NewEvent(organization.Id, "device.online"));
            await tx.AppendEventAsync(NewEvent(organization.Id, "device.offline"));
            await tx.InsertCommandAsync(NewCommand(organization.Id, device.Id));
        });

        lock (commits)
        {
            Assert.Equal(new StoreCommit(EventsAppended: 2, DeliveriesQueued: 1, RunsQueued: 0, CommandsQueued: true), Assert.Single(commits));
        }
    }

    [Fact]
    public async Task Committed_CommitNoWorkerWaitsFor_IsNotPublished()
    {
        var commits = 0;
        Store.Committed += _ => Interlocked.Increment(ref commits);

        var organization = await CreateOrganizationAsync();
        await CreateDeviceAsync(organization.Id);

        Assert.Equal(0, Volatile.Read(ref commits));
    }

    [Fact]
    public async Task WriteDeferred_AloneOrBesideAPromptUnit_CommitsBothAndPublishesTheirEvents()
    {
        var organization = await CreateOrganizationAsync();
        var appended = 0;
        Store.Committed += commit => Interlocked.Add(ref appended, commit.EventsAppended);

        var events = new[] { NewEvent(organization.Id, "device.online"), NewEvent(organization.Id, "device.offline"), NewEvent(organization.Id, "device.online") };
        await Store.WriteDeferredAsync(async tx => { await tx.AppendEventAsync(events[0]); return true; });
        var deferred = Store.WriteDeferredAsync(async tx => { await tx.AppendEventAsync(events[1]); return true; });
        var prompt = WriteAsync(tx => tx.AppendEventAsync(events[2]));
        await Task.WhenAll(deferred, prompt);

        var ids = (await Store.ListEventsAsync(organization.Id, new EventFilter(), new PageRequest(null, 10))).Items.Select(e => e.Id).ToList();
        Assert.Equal(events.Select(e => e.Id).Order(), ids.Order());
        Assert.Equal(3, Volatile.Read(ref appended));
    }

    [Fact]
    public async Task InsertApiKey_IdTaken_ThrowsDuplicateKey()
    {
        var organization = await CreateOrganizationAsync();
        var id = Ids.New("key");
        ApiKey NewKey() => new(id, organization.Id, "CI key", "sk_" + id[^8..], Guid.NewGuid().ToByteArray(), ["devices:read"], Time.GetUtcNow(), null, null);
        await WriteAsync(tx => tx.InsertApiKeyAsync(NewKey()));

        await Assert.ThrowsAsync<DuplicateKeyException>(() => WriteAsync(tx => tx.InsertApiKeyAsync(NewKey())));
    }
}

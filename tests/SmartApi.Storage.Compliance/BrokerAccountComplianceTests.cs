namespace SmartApi.Storage.Compliance;

/// <summary>Broker account jobs: leased to one owner, only a serial's oldest one at a time, retried later, removed once applied.</summary>
public abstract class BrokerAccountComplianceTests : StorageComplianceTests
{
    private ValueTask<IReadOnlyList<BrokerAccountJob>> ClaimAsync(IStoreTransaction tx, string owner, int limit = 10) =>
        tx.ClaimBrokerAccountJobsAsync(owner, Time.GetUtcNow(), Time.GetUtcNow().AddSeconds(30), limit);

    [Fact]
    public async Task Only_the_oldest_job_of_a_serial_is_claimed_and_a_leased_job_is_not_claimed_twice()
    {
        var at = Time.GetUtcNow();
        await WriteAsync(async tx =>
        {
            await tx.EnqueueBrokerAccountJobAsync("SER-A", BrokerAccountAction.Upsert, [1, 2, 3], at);
            await tx.EnqueueBrokerAccountJobAsync("SER-B", BrokerAccountAction.Upsert, [4], at);
            await tx.EnqueueBrokerAccountJobAsync("SER-A", BrokerAccountAction.Delete, null, at);
        });

        var first = await WriteAsync(tx => ClaimAsync(tx, "node-1"));
        var second = await WriteAsync(tx => ClaimAsync(tx, "node-2"));

        Assert.Equal([("SER-A", BrokerAccountAction.Upsert), ("SER-B", BrokerAccountAction.Upsert)], first.Select(j => (j.Serial, j.Action)));
        Assert.Equal([1, 2, 3], first[0].Secret);
        Assert.Equal(at, first[0].CreatedAt);
        Assert.Empty(second);

        Assert.True(await WriteAsync(tx => tx.CompleteBrokerAccountJobAsync(first[0].Id, "node-1")));
        var next = await WriteAsync(tx => ClaimAsync(tx, "node-2"));
        var delete = Assert.Single(next);
        Assert.Equal(("SER-A", BrokerAccountAction.Delete), (delete.Serial, delete.Action));
        Assert.Null(delete.Secret);
    }

    [Fact]
    public async Task A_failed_job_waits_until_it_is_due_and_keeps_its_attempts_and_error()
    {
        await WriteAsync(tx => tx.EnqueueBrokerAccountJobAsync("SER-C", BrokerAccountAction.Upsert, [9], Time.GetUtcNow()));
        var job = Assert.Single(await WriteAsync(tx => ClaimAsync(tx, "node-1")));

        Assert.False(await WriteAsync(tx => tx.RetryBrokerAccountJobAsync(job.Id, "node-2", Time.GetUtcNow(), "not mine")));
        Assert.True(await WriteAsync(tx => tx.RetryBrokerAccountJobAsync(job.Id, "node-1", Time.GetUtcNow().AddSeconds(10), "broker down")));
        Assert.Empty(await WriteAsync(tx => ClaimAsync(tx, "node-1")));
        Time.Advance(TimeSpan.FromSeconds(10));
        var retried = Assert.Single(await WriteAsync(tx => ClaimAsync(tx, "node-2")));

        Assert.Equal(job.Id, retried.Id);
        Assert.Equal(1, retried.Attempts);
        Assert.Equal("broker down", retried.LastError);
        Assert.False(await WriteAsync(tx => tx.CompleteBrokerAccountJobAsync(job.Id, "node-1")));
        Assert.True(await WriteAsync(tx => tx.CompleteBrokerAccountJobAsync(job.Id, "node-2")));
        Assert.Empty(await Store.ListBrokerAccountJobsAsync(10, Token));
    }

    [Fact]
    public async Task An_expired_lease_lets_another_owner_claim_the_job()
    {
        await WriteAsync(tx => tx.EnqueueBrokerAccountJobAsync("SER-D", BrokerAccountAction.Delete, null, Time.GetUtcNow()));
        var job = Assert.Single(await WriteAsync(tx => ClaimAsync(tx, "node-1")));
        Time.Advance(TimeSpan.FromSeconds(31));

        var taken = Assert.Single(await WriteAsync(tx => ClaimAsync(tx, "node-2")));

        Assert.Equal(job.Id, taken.Id);
        Assert.False(await WriteAsync(tx => tx.CompleteBrokerAccountJobAsync(job.Id, "node-1")));
        Assert.Single(await Store.ListBrokerAccountJobsAsync(10, Token));
    }

    [Fact]
    public async Task The_reconcile_finds_which_serials_are_devices_and_counts_the_devices_without_an_account()
    {
        var first = await CreateOrganizationAsync("First");
        var second = await CreateOrganizationAsync("Second");
        await CreateDeviceAsync(first.Id, "SER-KEPT");
        await CreateDeviceAsync(second.Id, "SER-ORPHAN");
        await CreateDeviceAsync(second.Id, "SER-PENDING");
        await WriteAsync(tx => tx.EnqueueBrokerAccountJobAsync("SER-PENDING", BrokerAccountAction.Upsert, [1], Time.GetUtcNow()));

        var found = await WriteAsync(tx => tx.FindDeviceSerialsAsync(["SER-KEPT", "SER-STRAY", "SER-ORPHAN"]));
        var none = await WriteAsync(tx => tx.FindDeviceSerialsAsync([]));
        var without = await Store.CountDevicesWithoutBrokerAccountAsync(["SER-KEPT", "SER-STRAY"], Token);
        var withoutAny = await Store.CountDevicesWithoutBrokerAccountAsync([], Token);

        Assert.Equal(["SER-KEPT", "SER-ORPHAN"], found.Order(StringComparer.Ordinal));
        Assert.Empty(none);
        // SER-ORPHAN only: SER-PENDING gets its account from its pending upsert.
        Assert.Equal(1L, without);
        Assert.Equal(2L, withoutAny);
    }

    [Fact]
    public async Task A_new_password_hash_replaces_the_old_one_only_in_the_devices_organization()
    {
        var organization = await CreateOrganizationAsync();
        var other = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        byte[] hash = [.. Enumerable.Repeat((byte)5, 32)];

        Assert.False(await WriteAsync(tx => tx.SetDevicePasswordHashAsync(other.Id, device.Id, hash, Time.GetUtcNow())));
        Assert.NotEqual(hash, (await Store.GetDeviceAsync(organization.Id, device.Id, Token))!.MqttPasswordHash);
        Assert.True(await WriteAsync(tx => tx.SetDevicePasswordHashAsync(organization.Id, device.Id, hash, Time.GetUtcNow())));
        Assert.Equal(hash, (await Store.GetDeviceAsync(organization.Id, device.Id, Token))!.MqttPasswordHash);
    }
}

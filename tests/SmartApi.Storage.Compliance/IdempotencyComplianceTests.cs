
namespace SmartApi.Storage.Compliance;

/// <summary>Idempotency records: one per API key and key value, claimed, completed, released, taken over and pruned.</summary>
public abstract class IdempotencyComplianceTests : StorageComplianceTests
{
    private static readonly TimeSpan Window = TimeSpan.FromHours(24);
    private static readonly TimeSpan Abandoned = TimeSpan.FromMinutes(1);

    private Task<bool> ClaimAsync(string organizationId, string apiKeyId, string key, byte hash)
    {
        var now = Time.GetUtcNow();
        var record = new IdempotencyRecord(organizationId, apiKeyId, key, [hash], null, null, null, now);
        return WriteAsync(tx => tx.TryClaimIdempotencyKeyAsync(record, now - Abandoned, now - Window));
    }

    [Fact]
    public async Task Records_belong_to_one_api_key()
    {
        var organization = await CreateOrganizationAsync();
        Assert.True(await ClaimAsync(organization.Id, "key_a", "K", 1));
        await WriteAsync(tx => tx.CompleteIdempotencyKeyAsync("key_a", "K", 201, "{}", [42]));

        // The same value from another key of the organization is a record of its own.
        Assert.Null(await Store.GetIdempotencyRecordAsync("key_b", "K", Token));
        Assert.True(await ClaimAsync(organization.Id, "key_b", "K", 2));
        Assert.False(await ClaimAsync(organization.Id, "key_a", "K", 1));

        var first = await Store.GetIdempotencyRecordAsync("key_a", "K", Token);
        Assert.NotNull(first);
        Assert.Equal((organization.Id, "key_a", "K", 201), (first.OrganizationId, first.ApiKeyId, first.Key, first.Status));
        Assert.Equal([1], first.RequestHash);
        Assert.Equal([42], first.Body);
        var second = await Store.GetIdempotencyRecordAsync("key_b", "K", Token);
        Assert.NotNull(second);
        Assert.Null(second.Status);
        Assert.Equal([2], second.RequestHash);

        // Releasing one key's claim leaves the other's answer alone.
        await WriteAsync(tx => tx.ReleaseIdempotencyKeyAsync("key_b", "K"));
        Assert.Null(await Store.GetIdempotencyRecordAsync("key_b", "K", Token));
        Assert.Equal(201, (await Store.GetIdempotencyRecordAsync("key_a", "K", Token))?.Status);
    }

    [Fact]
    public async Task An_expired_record_taken_over_forgets_its_answer()
    {
        var organization = await CreateOrganizationAsync();
        Assert.True(await ClaimAsync(organization.Id, "key_a", "K", 1));
        await WriteAsync(tx => tx.CompleteIdempotencyKeyAsync("key_a", "K", 201, "{}", [42]));

        Time.Advance(Window + TimeSpan.FromMinutes(1));
        Assert.True(await ClaimAsync(organization.Id, "key_a", "K", 2));

        // While the new request runs there is no answer to replay, and if it fails nothing is left.
        var claimed = await Store.GetIdempotencyRecordAsync("key_a", "K", Token);
        Assert.NotNull(claimed);
        Assert.Null(claimed.Status);
        Assert.Null(claimed.Body);
        await WriteAsync(tx => tx.ReleaseIdempotencyKeyAsync("key_a", "K"));
        Assert.Null(await Store.GetIdempotencyRecordAsync("key_a", "K", Token));
    }

    [Fact]
    public async Task Prune_deletes_old_records_of_every_key()
    {
        var organization = await CreateOrganizationAsync();
        Assert.True(await ClaimAsync(organization.Id, "key_a", "K", 1));
        Assert.True(await ClaimAsync(organization.Id, "key_b", "K", 1));
        Time.Advance(TimeSpan.FromHours(1));
        Assert.True(await ClaimAsync(organization.Id, "key_a", "L", 1));

        Assert.Equal(2, await WriteAsync(tx => tx.PruneIdempotencyKeysAsync(Time.GetUtcNow() - TimeSpan.FromMinutes(30), 100)));
        Assert.Null(await Store.GetIdempotencyRecordAsync("key_a", "K", Token));
        Assert.Null(await Store.GetIdempotencyRecordAsync("key_b", "K", Token));
        Assert.NotNull(await Store.GetIdempotencyRecordAsync("key_a", "L", Token));
    }
}

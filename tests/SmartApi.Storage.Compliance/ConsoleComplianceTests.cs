namespace SmartApi.Storage.Compliance;

/// <summary>Console sessions (found by token hash, touched, revoked, pruned) and the shared Data Protection key ring.</summary>
public abstract class ConsoleComplianceTests : StorageComplianceTests
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(30);

    private async Task<ConsoleSession> InsertSessionAsync(byte hashSeed, TimeSpan lifetime)
    {
        var now = Time.GetUtcNow();
        var hash = Enumerable.Repeat(hashSeed, 32).ToArray();
        var session = new ConsoleSession(Ids.New("cs"), "org_1", "key_1", hash, now, now, now + lifetime, Idle);
        await WriteAsync(tx => tx.InsertConsoleSessionAsync(session));
        return session;
    }

    [Fact]
    public async Task A_session_is_found_by_its_token_hash_only()
    {
        var session = await InsertSessionAsync(1, TimeSpan.FromHours(12));

        var found = await Store.FindConsoleSessionByHashAsync(session.TokenHash, Token);
        Assert.NotNull(found);
        Assert.Equal((session.Id, "org_1", "key_1"), (found.Id, found.OrganizationId, found.ApiKeyId));
        Assert.Equal(session.TokenHash, found.TokenHash);
        Assert.Equal((session.CreatedAt, session.ExpiresAt, Idle), (found.CreatedAt, found.ExpiresAt, found.IdleTimeout));
        Assert.Null(found.RevokedAt);
        Assert.True(found.IsActiveAt(Time.GetUtcNow()));

        Assert.Null(await Store.FindConsoleSessionByHashAsync(Enumerable.Repeat((byte)2, 32).ToArray(), Token));
    }

    [Fact]
    public async Task Touching_moves_last_use_forward_and_never_revives_an_ended_session()
    {
        var session = await InsertSessionAsync(3, TimeSpan.FromHours(1));

        Time.Advance(TimeSpan.FromMinutes(20));
        Assert.True(await WriteAsync(tx => tx.TouchConsoleSessionAsync(session.Id, Time.GetUtcNow())));
        // An older touch (another node's, late) does not move it back.
        Assert.False(await WriteAsync(tx => tx.TouchConsoleSessionAsync(session.Id, Time.GetUtcNow() - TimeSpan.FromMinutes(5))));
        var touched = await Store.FindConsoleSessionByHashAsync(session.TokenHash, Token);
        Assert.Equal(Time.GetUtcNow(), touched!.LastSeenAt);

        // Idle for longer than the timeout: over, and a touch now does not bring it back.
        Time.Advance(Idle + TimeSpan.FromSeconds(1));
        Assert.False((await Store.FindConsoleSessionByHashAsync(session.TokenHash, Token))!.IsActiveAt(Time.GetUtcNow()));
        Assert.False(await WriteAsync(tx => tx.TouchConsoleSessionAsync(session.Id, Time.GetUtcNow())));
    }

    [Fact]
    public async Task A_session_ends_at_its_absolute_expiry_however_recently_used()
    {
        var session = await InsertSessionAsync(4, TimeSpan.FromMinutes(50));
        for (var i = 0; i < 2; i++)
        {
            Time.Advance(TimeSpan.FromMinutes(20));
            Assert.True(await WriteAsync(tx => tx.TouchConsoleSessionAsync(session.Id, Time.GetUtcNow())));
        }
        Time.Advance(TimeSpan.FromMinutes(10));
        Assert.False((await Store.FindConsoleSessionByHashAsync(session.TokenHash, Token))!.IsActiveAt(Time.GetUtcNow()));
        Assert.False(await WriteAsync(tx => tx.TouchConsoleSessionAsync(session.Id, Time.GetUtcNow())));
    }

    [Fact]
    public async Task Revoking_ends_a_session_once()
    {
        var session = await InsertSessionAsync(5, TimeSpan.FromHours(12));
        Assert.True(await WriteAsync(tx => tx.RevokeConsoleSessionAsync(session.Id, Time.GetUtcNow())));
        Assert.False(await WriteAsync(tx => tx.RevokeConsoleSessionAsync(session.Id, Time.GetUtcNow())));
        Assert.False(await WriteAsync(tx => tx.RevokeConsoleSessionAsync("cs_missing", Time.GetUtcNow())));

        var revoked = await Store.FindConsoleSessionByHashAsync(session.TokenHash, Token);
        Assert.Equal(Time.GetUtcNow(), revoked!.RevokedAt);
        Assert.False(revoked.IsActiveAt(Time.GetUtcNow()));
        Assert.False(await WriteAsync(tx => tx.TouchConsoleSessionAsync(session.Id, Time.GetUtcNow() + TimeSpan.FromSeconds(1))));
    }

    [Fact]
    public async Task Pruning_deletes_ended_sessions_and_keeps_live_ones()
    {
        var revoked = await InsertSessionAsync(6, TimeSpan.FromHours(12));
        var expired = await InsertSessionAsync(7, TimeSpan.FromMinutes(10));
        await WriteAsync(tx => tx.RevokeConsoleSessionAsync(revoked.Id, Time.GetUtcNow()));
        Time.Advance(TimeSpan.FromMinutes(15));
        var live = await InsertSessionAsync(8, TimeSpan.FromHours(12));
        Time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(1, await WriteAsync(tx => tx.PruneConsoleSessionsAsync(Time.GetUtcNow(), 1)));
        Assert.Equal(1, await WriteAsync(tx => tx.PruneConsoleSessionsAsync(Time.GetUtcNow(), 10)));
        Assert.Equal(0, await WriteAsync(tx => tx.PruneConsoleSessionsAsync(Time.GetUtcNow(), 10)));
        Assert.Null(await Store.FindConsoleSessionByHashAsync(revoked.TokenHash, Token));
        Assert.Null(await Store.FindConsoleSessionByHashAsync(expired.TokenHash, Token));
        Assert.NotNull(await Store.FindConsoleSessionByHashAsync(live.TokenHash, Token));
    }

    [Fact]
    public async Task Data_protection_keys_are_listed_oldest_first()
    {
        Assert.Empty(await Store.ListDataProtectionKeysAsync(Token));
        var first = new DataProtectionKeyRecord("key-b", "<key id=\"b\"/>", Time.GetUtcNow());
        Time.Advance(TimeSpan.FromDays(1));
        var second = new DataProtectionKeyRecord("key-a", "<key id=\"a\"/>", Time.GetUtcNow());
        await WriteAsync(tx => tx.StoreDataProtectionKeyAsync(first));
        await WriteAsync(tx => tx.StoreDataProtectionKeyAsync(second));
        // The same name again replaces it rather than failing (a retried write).
        await WriteAsync(tx => tx.StoreDataProtectionKeyAsync(second));

        var keys = await Store.ListDataProtectionKeysAsync(Token);
        Assert.Equal([first, second], keys);
    }
}

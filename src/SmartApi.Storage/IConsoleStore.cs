namespace SmartApi.Storage;

/// <summary>
/// A web console session: the SHA-256 of its bearer token (<c>cs_...</c>), the API key it acts as,
/// an absolute expiry and an idle timeout counted from <see cref="LastSeenAt"/>.
/// </summary>
public sealed record ConsoleSession(
    string Id,
    string OrganizationId,
    string ApiKeyId,
    byte[] TokenHash,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastSeenAt,
    DateTimeOffset ExpiresAt,
    TimeSpan IdleTimeout,
    DateTimeOffset? RevokedAt = null)
{
    /// <summary>Whether the session may still be used at <paramref name="now"/>.</summary>
    public bool IsActiveAt(DateTimeOffset now) =>
        RevokedAt is null && now < ExpiresAt && now < LastSeenAt + IdleTimeout;
}

/// <summary>One ASP.NET Data Protection key as the framework hands it over: a name and its XML.</summary>
public sealed record DataProtectionKeyRecord(string FriendlyName, string Xml, DateTimeOffset CreatedAt);

/// <summary>Console sessions and the Data Protection key ring, shared by every node through the database.</summary>
public interface IConsoleStore
{
    /// <summary>The session whose token has this SHA-256, revoked or expired ones included; null when none.</summary>
    Task<ConsoleSession?> FindConsoleSessionByHashAsync(byte[] tokenHash, CancellationToken cancellationToken = default);

    /// <summary>Every Data Protection key, oldest first.</summary>
    Task<IReadOnlyList<DataProtectionKeyRecord>> ListDataProtectionKeysAsync(CancellationToken cancellationToken = default);
}

/// <summary>Changes to console sessions and the Data Protection key ring inside a write transaction.</summary>
public interface IConsoleTransaction
{
    ValueTask InsertConsoleSessionAsync(ConsoleSession session);

    /// <summary>Moves the session's last use forward to <paramref name="at"/> (never back); false when there is no such live session.</summary>
    ValueTask<bool> TouchConsoleSessionAsync(string id, DateTimeOffset at);

    /// <summary>Revokes the session; false when there is no such session or it was already revoked.</summary>
    ValueTask<bool> RevokeConsoleSessionAsync(string id, DateTimeOffset at);

    /// <summary>Deletes up to <paramref name="batchSize"/> sessions that expired or were revoked before <paramref name="before"/>.</summary>
    ValueTask<int> PruneConsoleSessionsAsync(DateTimeOffset before, int batchSize);

    /// <summary>Stores a new key; a name already stored is replaced (the framework never reuses one).</summary>
    ValueTask StoreDataProtectionKeyAsync(DataProtectionKeyRecord key);
}

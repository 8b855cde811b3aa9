namespace SmartApi.Storage;

/// <summary>Portal sessions: short-lived, revocable tokens restricted to some of an organization's automations.</summary>
public interface IPortalSessionStore
{
    /// <summary>The session whose token has this SHA-256 hash, expired and revoked ones included.</summary>
    Task<PortalSession?> FindPortalSessionByHashAsync(byte[] tokenHash, CancellationToken cancellationToken = default);

    Task<PortalSession?> GetPortalSessionAsync(string organizationId, string id, CancellationToken cancellationToken = default);

    /// <summary>The organization's sessions in id (creation) order, expired and revoked ones included.</summary>
    Task<PageResult<PortalSession>> ListPortalSessionsAsync(string organizationId, PageRequest page, CancellationToken cancellationToken = default);
}

/// <summary>Creating and revoking portal sessions inside a write transaction.</summary>
public interface IPortalSessionTransaction
{
    ValueTask InsertPortalSessionAsync(PortalSession session);

    /// <summary>False when there is no such session in the organization or it is already revoked.</summary>
    ValueTask<bool> RevokePortalSessionAsync(string organizationId, string id, DateTimeOffset at);

    /// <summary>Deletes up to <paramref name="batchSize"/> sessions that expired or were revoked before <paramref name="before"/>, in every organization.</summary>
    ValueTask<int> PrunePortalSessionsAsync(DateTimeOffset before, int batchSize);
}

/// <summary>
/// A portal session: its token (<c>pt_...</c>) is stored only as <paramref name="TokenHash"/>; it
/// reaches only <paramref name="AutomationIds"/> of its organization until <paramref name="ExpiresAt"/>.
/// </summary>
public sealed record PortalSession(
    string Id,
    string OrganizationId,
    byte[] TokenHash,
    IReadOnlyList<string> AutomationIds,
    string? BrandName,
    string? BrandAccentColor,
    string CreatedByKeyId,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? RevokedAt);

using System.Text.Json;

namespace SmartApi.Storage.Relational;

internal sealed class PortalSessionRow
{
    public string Id { get; set; } = "";
    public string OrganizationId { get; set; } = "";
    public byte[] TokenHash { get; set; } = [];
    public string AutomationIds { get; set; } = "[]";
    public string? BrandName { get; set; }
    public string? BrandAccentColor { get; set; }
    public string CreatedByKeyId { get; set; } = "";
    public long CreatedAt { get; set; }
    public long ExpiresAt { get; set; }
    public long? RevokedAt { get; set; }

    public PortalSession ToEntity() => new(
        Id, OrganizationId, TokenHash,
        JsonSerializer.Deserialize(AutomationIds, StorageJsonContext.Default.StringArray) ?? [],
        BrandName, BrandAccentColor, CreatedByKeyId, Ms.ToTime(CreatedAt), Ms.ToTime(ExpiresAt), Ms.ToTime(RevokedAt));

    public static object Parameters(PortalSession session) => new
    {
        session.Id,
        session.OrganizationId,
        session.TokenHash,
        AutomationIds = JsonSerializer.Serialize(session.AutomationIds, StorageJsonContext.Default.IReadOnlyListString),
        session.BrandName,
        session.BrandAccentColor,
        session.CreatedByKeyId,
        CreatedAt = Ms.Of(session.CreatedAt),
        ExpiresAt = Ms.Of(session.ExpiresAt),
    };
}

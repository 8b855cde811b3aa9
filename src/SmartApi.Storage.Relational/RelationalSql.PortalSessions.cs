namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalSql
{
    private const string PortalSessionColumns =
        "id, organization_id, token_hash, automation_ids, brand_name, brand_accent_color, created_by_key_id, created_at, expires_at, revoked_at";
    public const string InsertPortalSession =
        "INSERT INTO portal_sessions (" + PortalSessionColumns + ") VALUES " +
        "(@Id, @OrganizationId, @TokenHash, @AutomationIds, @BrandName, @BrandAccentColor, @CreatedByKeyId, @CreatedAt, @ExpiresAt, NULL)";
    public const string FindPortalSessionByHash = "SELECT " + PortalSessionColumns + " FROM portal_sessions WHERE token_hash = @hash";
    public const string GetPortalSession = "SELECT " + PortalSessionColumns + " FROM portal_sessions WHERE organization_id = @org AND id = @id";
    public const string ListPortalSessions =
        "SELECT " + PortalSessionColumns + " FROM portal_sessions WHERE organization_id = @org AND id > @after ORDER BY id LIMIT @limit";
    public const string RevokePortalSession =
        "UPDATE portal_sessions SET revoked_at = @at WHERE organization_id = @org AND id = @id AND revoked_at IS NULL";
    public const string PrunePortalSessions =
        "DELETE FROM portal_sessions WHERE id IN (SELECT id FROM portal_sessions WHERE expires_at < @before OR revoked_at < @before LIMIT @limit)";
}

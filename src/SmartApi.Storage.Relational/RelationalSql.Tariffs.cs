namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalSql
{
    private const string TariffColumns = "id, organization_id, name, currency, definition, version, created_at, updated_at";
    public const string InsertTariff =
        "INSERT INTO tariffs (" + TariffColumns + ") VALUES (@Id, @OrganizationId, @Name, @Currency, @Definition, @Version, @CreatedAt, @UpdatedAt)";
    public const string GetTariff = "SELECT " + TariffColumns + " FROM tariffs WHERE organization_id = @org AND id = @id";
    public const string ListTariffs = "SELECT " + TariffColumns + " FROM tariffs WHERE organization_id = @org AND id > @after ORDER BY id LIMIT @limit";
    public const string UpdateTariff =
        "UPDATE tariffs SET name = @Name, currency = @Currency, definition = @Definition, version = @Version, updated_at = @UpdatedAt " +
        "WHERE organization_id = @OrganizationId AND id = @Id";
    public const string DeleteTariff = "DELETE FROM tariffs WHERE organization_id = @org AND id = @id";

    public const string InsertTariffTarget = "INSERT INTO tariff_targets (organization_id, target, tariff_id) VALUES (@org, @target, @id)";
    public const string TargetsOfTariff = "SELECT target FROM tariff_targets WHERE organization_id = @org AND tariff_id = @id";
    public const string DeleteTargetsOfTariff = "DELETE FROM tariff_targets WHERE organization_id = @org AND tariff_id = @id";
    public const string DeleteTariffTarget = "DELETE FROM tariff_targets WHERE organization_id = @org AND target = @target";
}

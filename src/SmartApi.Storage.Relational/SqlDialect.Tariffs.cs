namespace SmartApi.Storage.Relational;

internal abstract partial class SqlDialect
{
    // Any number of targets or tariffs is one statement: the list travels as one parameter.
    public string FindTariffClaims => field ??=
        "SELECT c.target, c.tariff_id, t.version AS tariff_version FROM tariff_targets c JOIN tariffs t ON t.id = c.tariff_id " +
        "WHERE c.organization_id = @org AND " + InList("c.target", "targets");
    public string TargetsOfTariffs => field ??=
        "SELECT tariff_id, target FROM tariff_targets WHERE organization_id = @org AND " + InList("tariff_id", "ids");
}

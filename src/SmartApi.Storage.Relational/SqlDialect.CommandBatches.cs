namespace SmartApi.Storage.Relational;

internal abstract partial class SqlDialect
{
    // A bulk switch's selection: ids only, read inside the unit that stores the commands, so a
    // device deleted meanwhile is either switched or not selected.
    private const string DeviceIdsOfOrganization = "SELECT id FROM devices WHERE organization_id = @org";
    public string ListDeviceIdsByTag => field ??= DeviceIdsOfOrganization + TagFilter + RelationalSql.OrderByIdLimit;
    public string ListDeviceIdsByTagKey => field ??= DeviceIdsOfOrganization + TagPresentFilter + RelationalSql.OrderByIdLimit;
    public string FindDeviceIds => field ??= DeviceIdsOfOrganization + " AND " + InList("id", "ids") + " ORDER BY id";
}

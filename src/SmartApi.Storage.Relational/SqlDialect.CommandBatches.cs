namespace SmartApi.Storage.Relational;

internal abstract partial class SqlDialect
{
    // A bulk switch's selection and a tariff's devices: ids only, read inside the unit that stores the
    // commands or the claims, so a device deleted meanwhile is either switched (claimed) or not
    // selected. Ids from a list are locked till commit, as a delete on another node could otherwise
    // commit between the read and the write.
    private const string DeviceIdsOfOrganization = "SELECT id FROM devices WHERE organization_id = @org";
    public string ListDeviceIdsByTag => field ??= DeviceIdsOfOrganization + TagFilter + RelationalSql.OrderByIdLimit;
    public string ListDeviceIdsByTagKey => field ??= DeviceIdsOfOrganization + TagPresentFilter + RelationalSql.OrderByIdLimit;
    public string FindDeviceIds => field ??= DeviceIdsOfOrganization + " AND " + InList("id", "ids") + " ORDER BY id" + KeyShareLock;
}

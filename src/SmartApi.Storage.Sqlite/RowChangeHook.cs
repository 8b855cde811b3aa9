using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace SmartApi.Storage.Sqlite;

/// <summary>
/// SQLite's update hook on the writer connection (one per connection), which keeps the writer's row
/// caches exact: any insert, update or delete of a device or webhook row, by whatever statement
/// (cascades included), reaches the cache of that table, so nothing has to remember the caches.
/// The table name is compared in place: the hook runs for every row the writer changes.
/// </summary>
internal sealed class RowChangeHook
{
    private readonly DeviceCache _devices;
    private readonly WebhookCache _webhooks;

    private RowChangeHook(DeviceCache devices, WebhookCache webhooks)
    {
        _devices = devices;
        _webhooks = webhooks;
    }

    /// <summary>Watches the connection's row changes; call once, on the writer connection.</summary>
    public static void Attach(SqliteConnection connection, DeviceCache devices, WebhookCache webhooks) =>
        raw.sqlite3_update_hook(connection.Handle, OnChange, new RowChangeHook(devices, webhooks));

    private static void OnChange(object state, int type, utf8z database, utf8z table, long rowid)
    {
        var hook = (RowChangeHook)state;
        if (Is(table, "devices"u8))
        {
            hook._devices.RowChanged();
        }
        else if (!hook._webhooks.IsEmpty && Is(table, "webhooks"u8))
        {
            hook._webhooks.Clear();
        }
    }

    /// <summary>Whether the zero-terminated name is <paramref name="expected"/> (which holds no zero byte): read up to the first difference.</summary>
    private static bool Is(utf8z name, ReadOnlySpan<byte> expected)
    {
        ref var first = ref Unsafe.AsRef(in name.GetPinnableReference());
        for (var i = 0; i < expected.Length; i++)
        {
            if (Unsafe.Add(ref first, i) != expected[i])
            {
                return false;
            }
        }
        return Unsafe.Add(ref first, expected.Length) == 0;
    }
}

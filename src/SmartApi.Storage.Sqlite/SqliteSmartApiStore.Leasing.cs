namespace SmartApi.Storage.Sqlite;

public sealed partial class SqliteSmartApiStore
{
    /// <summary>
    /// SQLite hands nothing off: its deliveries are claimed. With one writer and the database in the
    /// process, a claim is a local statement, and the engine's claims already batch.
    /// </summary>
    public IDisposable LeaseQueuedDeliveries(string owner, TimeSpan lease, Action<IReadOnlyList<ClaimedDelivery>> dispatch) => NoHandOff.Instance;

    private sealed class NoHandOff : IDisposable
    {
        public static readonly NoHandOff Instance = new();

        public void Dispose()
        {
        }
    }
}

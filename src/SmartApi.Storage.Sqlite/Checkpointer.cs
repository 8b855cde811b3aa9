using Microsoft.Data.Sqlite;

namespace SmartApi.Storage.Sqlite;

/// <summary>
/// Copies the WAL back into the database file beside the writer instead of inside its commits.
/// SQLite's automatic checkpoint runs in whichever commit crosses the threshold, stalling the
/// single writer; a PASSIVE checkpoint from another connection never blocks it. The interval is
/// physical maintenance, not application time, so it runs on the real clock.
/// </summary>
internal sealed class Checkpointer : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private readonly CancellationTokenSource _stop = new();
    private readonly SqliteConnection _connection;
    private readonly Task _loop;

    public Checkpointer(string connectionString)
    {
        _connection = new SqliteConnection(connectionString);
        _loop = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        try
        {
            await _connection.OpenAsync(_stop.Token);
            using var checkpoint = _connection.CreateCommand();
            checkpoint.CommandText = Sql.PassiveCheckpoint;
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(Interval, _stop.Token);
                try
                {
                    await checkpoint.ExecuteNonQueryAsync(_stop.Token);
                }
                catch (SqliteException)
                {
                    // Busy or locked: the next round catches up; the WAL only grows meanwhile.
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Stops, then folds the whole WAL into the database and truncates it.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        try
        {
            if (_connection.State == System.Data.ConnectionState.Open)
            {
                using var truncate = _connection.CreateCommand();
                truncate.CommandText = Sql.TruncateCheckpoint;
                await truncate.ExecuteNonQueryAsync();
            }
        }
        catch (SqliteException)
        {
        }
        await _connection.DisposeAsync();
        _stop.Dispose();
    }
}

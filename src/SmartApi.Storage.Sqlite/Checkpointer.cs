using Microsoft.Data.Sqlite;

namespace SmartApi.Storage.Sqlite;

/// <summary>
/// Copies the WAL back into the database file beside the writer instead of inside its commits.
/// SQLite's automatic checkpoint runs in whichever commit crosses the threshold, stalling the
/// single writer; a PASSIVE checkpoint from another connection never blocks it. The interval is
/// physical maintenance, not application time, so it runs on the real clock. A pass that found the
/// whole log copied back is not repeated until the writer commits again: an idle server runs no
/// checkpoints.
/// </summary>
/// <remarks>
/// A checkpoint beside the writer never lets the WAL start over under a steady write load: SQLite
/// rewinds the log only when a write begins after every frame was copied back, and the writer
/// adds frames while the checkpoint runs. The log then grows without bound (gigabytes in a minute
/// of telemetry), and every frame written extends the file, which the file system zeroes first.
/// So once a pass leaves the log at <see cref="DefaultRewindBytes"/> or more, the writer is asked
/// to copy back the rest itself between two commits (<see cref="SqliteWriter.RequestCheckpoint"/>):
/// only the frames added during this pass, and no commit can add more meanwhile. That pause is
/// mostly the checkpoint's fsyncs (tens to a few hundred milliseconds on the reference machine),
/// so it is kept rare: the log may grow to a few hundred megabytes, and its file is then reused
/// rather than grown again.
/// </remarks>
internal sealed class Checkpointer : IAsyncDisposable
{
    public const long DefaultRewindBytes = 512L << 20;

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private readonly CancellationTokenSource _stop = new();
    private readonly SqliteConnection _connection;
    private readonly Action _requestRewind;
    private readonly Func<long> _commits;
    private readonly long _rewindBytes;
    private readonly Task _loop;

    public Checkpointer(string connectionString, Action requestRewind, Func<long> commits, long rewindBytes = DefaultRewindBytes)
    {
        _commits = commits;
        _connection = new SqliteConnection(connectionString);
        _requestRewind = requestRewind;
        _rewindBytes = rewindBytes;
        _loop = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        try
        {
            await _connection.OpenAsync(_stop.Token);
            using var pageSize = _connection.CreateCommand();
            pageSize.CommandText = "PRAGMA page_size";
            var rewindFrames = _rewindBytes / (long)(await pageSize.ExecuteScalarAsync(_stop.Token))!;
            using var checkpoint = _connection.CreateCommand();
            checkpoint.CommandText = Sql.PassiveCheckpoint;
            // Commits as of the last pass that copied the whole log back: until the writer commits again there is nothing to do.
            long? settledAt = null;
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(Interval, _stop.Token);
                var commits = _commits();
                if (commits == settledAt)
                {
                    continue;
                }
                try
                {
                    var (inLog, copied) = await PassAsync(checkpoint, _stop.Token);
                    settledAt = inLog == copied ? commits : null;
                    if (inLog >= rewindFrames)
                    {
                        _requestRewind();
                    }
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

    /// <summary>Runs a checkpoint; its row is (busy, frames in the log, frames copied back).</summary>
    private static async Task<(long InLog, long Copied)> PassAsync(SqliteCommand checkpoint, CancellationToken cancellationToken)
    {
        await using var reader = await checkpoint.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(1), reader.GetInt64(2)) : (0, 0);
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

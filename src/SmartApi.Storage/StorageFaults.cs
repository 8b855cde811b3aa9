namespace SmartApi.Storage;

/// <summary>
/// Tells storage faults that are not the caller's doing and pass by themselves (disk full, I/O
/// error, database unreachable or restarting) from everything else, so that the API answers them
/// 503 with <c>Retry-After</c> and the MQTT gateway refuses the message instead of acknowledging
/// it. Each provider supplies the classification of its own errors; the store's writer reports
/// its commits here, which the readiness check reads.
/// </summary>
public abstract class StorageFaults
{
    /// <summary>What a client is told to wait before trying again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private int _writesFailing;

    /// <summary>Whether the last write failed with such a fault and none has committed since.</summary>
    public bool WritesFailing => Volatile.Read(ref _writesFailing) == 1;

    /// <summary>Whether <paramref name="exception"/>, or one it wraps, is a fault of the storage that may pass.</summary>
    public bool IsUnavailable(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is StorageUnavailableException || IsProviderFault(e))
            {
                return true;
            }
            if (e is AggregateException { InnerExceptions.Count: > 1 } aggregate)
            {
                return aggregate.InnerExceptions.Any(IsUnavailable);
            }
        }
        return false;
    }

    /// <summary>The provider's own test, for one exception (not its inner ones).</summary>
    protected abstract bool IsProviderFault(Exception exception);

    /// <summary>A write failed: recorded when the failure is a storage fault.</summary>
    internal void WriteFailed(Exception exception)
    {
        if (IsUnavailable(exception))
        {
            Volatile.Write(ref _writesFailing, 1);
        }
    }

    /// <summary>A write committed: the storage takes writes again.</summary>
    internal void WriteCommitted()
    {
        if (Volatile.Read(ref _writesFailing) == 1)
        {
            Volatile.Write(ref _writesFailing, 0);
        }
    }
}

/// <summary>The storage cannot take the operation now (see <see cref="StorageFaults"/>); trying again later may succeed.</summary>
public sealed class StorageUnavailableException(string message, Exception? innerException = null) : Exception(message, innerException);

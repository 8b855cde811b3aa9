using System.Diagnostics;

namespace SmartApi.Storage.Sqlite.Tests;

/// <summary>
/// The deferral of <see cref="GroupCommitQueue"/> on its own, with a commit that records its batches: a deferred unit
/// waits for a prompt one to share a commit, commits alone once the linger has passed or a batch of them has gathered,
/// and is committed, not dropped, when the queue is disposed.
/// </summary>
public sealed class GroupCommitQueueTests
{
    private readonly List<int> _batches = [];

    private Task Commit(List<WriteUnit> batch)
    {
        lock (_batches)
        {
            _batches.Add(batch.Count);
        }
        return CompleteAsync(batch);
    }

    private static async Task CompleteAsync(List<WriteUnit> batch)
    {
        foreach (var unit in batch)
        {
            await unit.RunAsync(null!);
            unit.Complete();
        }
    }

    [Fact]
    public async Task Deferred_PromptUnitArrivesWithinTheLinger_BothShareOneCommit()
    {
        await using var queue = new GroupCommitQueue(maxBatch: 16, loops: 1, Commit, linger: TimeSpan.FromMinutes(5));
        queue.Start();

        var deferred = queue.EnqueueAsync(_ => ValueTask.FromResult(1), CancellationToken.None, deferred: true);
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.False(deferred.IsCompleted);
        var prompt = queue.EnqueueAsync(_ => ValueTask.FromResult(2), CancellationToken.None);

        var results = await Task.WhenAll(deferred, prompt).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal([1, 2], results);
        lock (_batches)
        {
            Assert.Equal([2], _batches);
        }
    }

    [Fact]
    public async Task Deferred_NoPromptUnitComes_CommitsAloneAfterTheLinger()
    {
        var linger = TimeSpan.FromMilliseconds(200);
        await using var queue = new GroupCommitQueue(maxBatch: 16, loops: 1, Commit, linger);
        queue.Start();
        var started = Stopwatch.GetTimestamp();

        var first = queue.EnqueueAsync(_ => ValueTask.FromResult(1), CancellationToken.None, deferred: true);
        var second = queue.EnqueueAsync(_ => ValueTask.FromResult(2), CancellationToken.None, deferred: true);

        var results = await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal([1, 2], results);
        Assert.True(Stopwatch.GetElapsedTime(started) >= linger * 0.9);
        lock (_batches)
        {
            Assert.Equal(2, _batches.Sum());
        }
    }

    [Fact]
    public async Task Deferred_AFullBatchGathers_CommitsWithoutWaitingForTheLinger()
    {
        await using var queue = new GroupCommitQueue(maxBatch: 4, loops: 1, Commit, linger: TimeSpan.FromMinutes(5));
        queue.Start();

        var units = Enumerable.Range(1, 4).Select(i => queue.EnqueueAsync(_ => ValueTask.FromResult(i), CancellationToken.None, deferred: true)).ToList();

        var results = await Task.WhenAll(units).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal([1, 2, 3, 4], results);
        lock (_batches)
        {
            Assert.Equal(4, _batches.Sum());
        }
    }

    [Fact]
    public async Task Deferred_AfterTheLingerPassed_WaitsForANewLingerNotNone()
    {
        var linger = TimeSpan.FromMilliseconds(200);
        await using var queue = new GroupCommitQueue(maxBatch: 16, loops: 1, Commit, linger);
        queue.Start();
        Assert.Equal(1, await queue.EnqueueAsync(_ => ValueTask.FromResult(1), CancellationToken.None, deferred: true)
            .WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));

        // The timer fired for the first; the second arms it again rather than waiting forever for a prompt unit.
        var started = Stopwatch.GetTimestamp();
        Assert.Equal(2, await queue.EnqueueAsync(_ => ValueTask.FromResult(2), CancellationToken.None, deferred: true)
            .WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.True(Stopwatch.GetElapsedTime(started) >= linger * 0.9);
        lock (_batches)
        {
            Assert.Equal([1, 1], _batches);
        }
    }

    [Fact]
    public async Task Deferred_AfterDispose_IsRefused()
    {
        var queue = new GroupCommitQueue(maxBatch: 16, loops: 1, Commit, linger: TimeSpan.FromMinutes(5));
        queue.Start();
        await queue.DisposeAsync();

        Assert.Throws<ObjectDisposedException>(() => { _ = queue.EnqueueAsync(_ => ValueTask.FromResult(1), CancellationToken.None, deferred: true); });
    }

    [Fact]
    public async Task Prompt_Alone_CommitsWithoutWaiting()
    {
        await using var queue = new GroupCommitQueue(maxBatch: 16, loops: 1, Commit, linger: TimeSpan.FromMinutes(5));
        queue.Start();

        Assert.Equal(7, await queue.EnqueueAsync(_ => ValueTask.FromResult(7), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Deferred_QueueDisposedDuringTheLinger_IsCommittedNotDropped()
    {
        var queue = new GroupCommitQueue(maxBatch: 16, loops: 1, Commit, linger: TimeSpan.FromMinutes(5));
        queue.Start();
        var deferred = queue.EnqueueAsync(_ => ValueTask.FromResult(3), CancellationToken.None, deferred: true);
        await Task.Delay(50, TestContext.Current.CancellationToken);

        await queue.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(3, await deferred);
    }
}

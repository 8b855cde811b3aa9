using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace SmartApi.Storage.Postgres.Tests;

/// <summary>Group commit in the PostgreSQL provider: what the compliance suite cannot provoke.</summary>
public sealed class PostgresWriterTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(T0);
    private readonly PostgresTestSchema _schema = new();
    private readonly IdGenerator _ids = new(new FakeTimeProvider(T0));
    private PostgresSmartApiStore? _store;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
        await _schema.DisposeAsync();
    }

    [Fact]
    public async Task WriteAsync_UnitLosesADeadlockInsideABatch_TheBatchRunsAgainAndEveryUnitCommitsOnce()
    {
        var store = _store = await _schema.OpenAsync(_time, Token);
        var organization = new Organization(_ids.New("org"), "Acme", T0);
        await store.WriteAsync(async tx => { await tx.InsertOrganizationAsync(organization); return true; }, Token);
        // The gated unit holds the writer while the others gather into one batch behind it.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gated = store.AppendEventAsync(NewEvent(organization.Id), async _ => await gate.Task, Token);
        var before = Enumerable.Range(0, 3).Select(_ => AppendAsync(store, organization.Id)).ToList();
        var runs = 0;
        var victim = store.AppendEventAsync(NewEvent(organization.Id), _ =>
        {
            if (Interlocked.Increment(ref runs) == 1)
            {
                // What PostgreSQL reports to the transaction it picks to break a lock cycle.
                throw new PostgresException("deadlock detected", "ERROR", "ERROR", PostgresErrorCodes.DeadlockDetected);
            }
            return ValueTask.CompletedTask;
        }, Token);
        var after = Enumerable.Range(0, 3).Select(_ => AppendAsync(store, organization.Id)).ToList();
        gate.SetResult();

        var committed = (await Task.WhenAll(before.Append(gated).Append(victim).Concat(after))).OrderBy(e => e.Position).ToList();

        Assert.Equal(2, Volatile.Read(ref runs));
        var listed = (await store.ListEventsAsync(organization.Id, new EventFilter(), new PageRequest(null, 100), Token)).Items;
        Assert.Equal(committed.Select(e => e.Id), listed.Select(e => e.Id));
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), listed.Select(e => e.Position));
    }

    [Fact]
    public async Task WriteAsync_UnitKeepsLosingDeadlocks_FailsWithTheDeadlockAfterFiveAttempts()
    {
        var store = _store = await _schema.OpenAsync(_time, Token);
        var organization = new Organization(_ids.New("org"), "Acme", T0);
        await store.WriteAsync(async tx => { await tx.InsertOrganizationAsync(organization); return true; }, Token);
        var runs = 0;

        var failure = await Assert.ThrowsAsync<PostgresException>(() => store.WriteAsync<bool>(async tx =>
        {
            await tx.AppendEventAsync(NewEvent(organization.Id));
            Interlocked.Increment(ref runs);
            throw new PostgresException("deadlock detected", "ERROR", "ERROR", PostgresErrorCodes.DeadlockDetected);
        }, Token));

        Assert.Equal(PostgresErrorCodes.DeadlockDetected, failure.SqlState);
        Assert.Equal(5, Volatile.Read(ref runs));
        Assert.Empty((await store.ListEventsAsync(organization.Id, new EventFilter(), new PageRequest(null, 10), Token)).Items);
        // The writer goes on with the next units.
        Assert.Equal(1, (await AppendAsync(store, organization.Id)).Position);
    }

    private Task<StoredEvent> AppendAsync(PostgresSmartApiStore store, string organizationId) =>
        store.AppendEventAsync(NewEvent(organizationId), cancellationToken: Token);

    private NewEvent NewEvent(string organizationId) => new(_ids.New("evt"), organizationId, "device.online", null, T0, "{}");
}

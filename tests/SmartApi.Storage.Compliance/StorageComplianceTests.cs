using System.Reflection;
using Microsoft.Extensions.Time.Testing;

namespace SmartApi.Storage.Compliance;

/// <summary>
/// The base of the storage compliance suite. Each area (organizations and API keys, devices,
/// commands, events, measurements, transactions) is an abstract subclass; a provider's test project
/// registers its <see cref="IStoreProvider"/> once as an assembly fixture and closes each area with a
/// one-line class (<c>public sealed class SqliteDeviceTests : DeviceComplianceTests;</c>).
/// </summary>
public abstract class StorageComplianceTests : IAsyncLifetime
{
    private ISmartApiStore? _store;
    private ProvidedStore? _provided;

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));

    protected IdGenerator Ids { get; }

    protected ISmartApiStore Store => _store ?? throw new InvalidOperationException("The store is created in InitializeAsync.");

    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    protected StorageComplianceTests() => Ids = new IdGenerator(Time);

    /// <summary>A fresh, migrated and empty store, used by one test only: by default the test assembly's provider's.</summary>
    protected virtual async Task<ISmartApiStore> CreateStoreAsync()
    {
        _provided = await (await ProviderAsync()).OpenAsync(Time, Token);
        return _provided.Store;
    }

    public virtual async ValueTask InitializeAsync() => _store = await CreateStoreAsync();

    public virtual async ValueTask DisposeAsync()
    {
        if (_store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        else if (_store is IDisposable syncDisposable)
        {
            syncDisposable.Dispose();
        }
        _store = null;
        if (_provided is not null)
        {
            await _provided.ReleaseAsync();
            _provided = null;
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>The <see cref="IStoreProvider"/> this test's assembly registers with <c>[assembly: AssemblyFixture]</c>.</summary>
    private async Task<IStoreProvider> ProviderAsync()
    {
        var assembly = GetType().Assembly;
        var registered = assembly.GetCustomAttributes<AssemblyFixtureAttribute>()
            .Select(attribute => attribute.AssemblyFixtureType)
            .Where(typeof(IStoreProvider).IsAssignableFrom)
            .ToArray();
        if (registered.Length != 1)
        {
            throw new InvalidOperationException(
                $"{assembly.GetName().Name} registers {registered.Length} store providers; it needs exactly one [assembly: AssemblyFixture(typeof(...))] of an {nameof(IStoreProvider)}.");
        }
        return await TestContext.Current.GetFixture(registered[0]) as IStoreProvider
            ?? throw new InvalidOperationException($"xunit did not create the assembly fixture {registered[0].Name}.");
    }

    protected Task<T> WriteAsync<T>(Func<IStoreTransaction, ValueTask<T>> work) => Store.WriteAsync(work, Token);

    protected Task WriteAsync(Func<IStoreTransaction, ValueTask> work) =>
        Store.WriteAsync(async tx =>
        {
            await work(tx);
            return true;
        }, Token);

    protected async Task<Organization> CreateOrganizationAsync(string name = "Acme")
    {
        var organization = new Organization(Ids.New("org"), name, Time.GetUtcNow());
        await WriteAsync(tx => tx.InsertOrganizationAsync(organization));
        return organization;
    }

    protected Device NewDevice(string organizationId, string? serial = null, IReadOnlyDictionary<string, string>? tags = null, bool online = false)
    {
        var now = Time.GetUtcNow();
        return new Device(
            Ids.New("dev"), organizationId, serial ?? "SN-" + Guid.NewGuid().ToString("N")[..12], "Coffee machine", "DT31",
            tags ?? new Dictionary<string, string>(), "last", [1, 2, 3, 4], online, online ? now : null, "unknown", null, now, now);
    }

    protected async Task<Device> CreateDeviceAsync(string organizationId, string? serial = null, IReadOnlyDictionary<string, string>? tags = null, bool online = false)
    {
        var device = NewDevice(organizationId, serial, tags, online);
        await WriteAsync(tx => tx.InsertDeviceAsync(device));
        return device;
    }

    protected NewEvent NewEvent(string organizationId, string type = "device.online", string? deviceId = null, string dataJson = "{}") =>
        new(Ids.New("evt"), organizationId, type, deviceId, Time.GetUtcNow(), dataJson);

    protected Task<StoredEvent> AppendAsync(NewEvent newEvent) => Store.AppendEventAsync(newEvent, cancellationToken: Token);

    /// <summary>Runs <paramref name="before"/> and appends the event in one unit; returns the event as stored.</summary>
    protected Task<StoredEvent> WriteEventAsync(NewEvent newEvent, Func<IStoreTransaction, ValueTask> before) =>
        Store.AppendEventAsync(newEvent, before, Token);

    protected Command NewCommand(string organizationId, string deviceId)
    {
        var now = Time.GetUtcNow();
        return new Command(Ids.New("cmd"), organizationId, deviceId, "switch", "on", "pending", now, now, now.AddSeconds(30), null);
    }

    /// <summary>Follows <c>nextCursor</c> from the first page to the last, checking that every page but the last is full.</summary>
    protected static async Task<List<T>> ReadAllPagesAsync<T>(Func<string?, Task<PageResult<T>>> list, Func<T, string> cursor, int limit)
    {
        var all = new List<T>();
        string? after = null;
        while (true)
        {
            var page = await list(after);
            Assert.True(page.Items.Count <= limit);
            all.AddRange(page.Items);
            if (!page.HasMore)
            {
                return all;
            }
            Assert.Equal(limit, page.Items.Count);
            after = cursor(page.Items[^1]);
        }
    }
}

namespace SmartApi.Storage.Compliance;

/// <summary>
/// The one hook a storage provider implements to run the compliance suite: a fresh, migrated and
/// empty store per test. A provider's test project registers it once with
/// <c>[assembly: AssemblyFixture(typeof(...))]</c>; every area then finds it through
/// <see cref="StorageComplianceTests"/>.
/// </summary>
public interface IStoreProvider
{
    /// <summary>A store used by one test only, and what to release once the test has disposed it.</summary>
    Task<ProvidedStore> OpenAsync(TimeProvider time, CancellationToken cancellationToken);
}

/// <summary>
/// A store handed to one test. <paramref name="ReleaseAsync"/> runs after the store is disposed and
/// removes what the provider made for it (a database file, a schema).
/// </summary>
public sealed record ProvidedStore(ISmartApiStore Store, Func<ValueTask> ReleaseAsync);

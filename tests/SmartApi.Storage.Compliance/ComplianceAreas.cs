using System.Reflection;

namespace SmartApi.Storage.Compliance;

/// <summary>
/// The areas of the suite, so a provider's test project can check that it runs each of them exactly
/// once: xunit only discovers tests in the test assembly, so each area needs one closing class there.
/// </summary>
public static class ComplianceAreas
{
    /// <summary>Every abstract class of the suite that declares tests of its own.</summary>
    public static IReadOnlyList<Type> All { get; } = typeof(StorageComplianceTests).Assembly.GetTypes()
        .Where(type => type.IsAbstract && typeof(StorageComplianceTests).IsAssignableFrom(type) && DeclaresTests(type))
        .OrderBy(type => type.Name, StringComparer.Ordinal)
        .ToArray();

    /// <summary>The areas that <paramref name="testAssembly"/> does not close with exactly one concrete class.</summary>
    public static IReadOnlyList<string> NotClosedOnceIn(Assembly testAssembly)
    {
        var closers = testAssembly.GetTypes().Where(type => !type.IsAbstract && type.BaseType is not null).ToLookup(type => type.BaseType!);
        return All
            .Select(area => (Area: area, Count: closers[area].Count()))
            .Where(entry => entry.Count != 1)
            .Select(entry => $"{entry.Area.Name}: closed {entry.Count} times in {testAssembly.GetName().Name}")
            .ToArray();
    }

    private static bool DeclaresTests(Type type) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Any(method => method.IsDefined(typeof(FactAttribute), inherit: true));
}

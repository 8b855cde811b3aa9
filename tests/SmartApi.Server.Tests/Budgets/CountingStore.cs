using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;
using SmartApi.Storage;

namespace SmartApi.Server.Tests.Budgets;

/// <summary>A store that counts the calls of each method by name and forwards them to the real one.</summary>
public class CountingStore : DispatchProxy
{
    private ISmartApiStore _inner = null!;
    private ConcurrentDictionary<string, int> _calls = null!;

    public static (ISmartApiStore Store, ConcurrentDictionary<string, int> Calls) Wrap(ISmartApiStore inner)
    {
        var store = Create<ISmartApiStore, CountingStore>();
        var proxy = (CountingStore)(object)store;
        proxy._inner = inner;
        proxy._calls = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        return (store, proxy._calls);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        _calls.AddOrUpdate(targetMethod!.Name, 1, (_, n) => n + 1);
        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is { } inner)
        {
            ExceptionDispatchInfo.Throw(inner);
            throw;
        }
    }
}

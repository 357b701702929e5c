using System.Collections.Concurrent;
using System.Reflection;
using Precision.Orleans.Runtime.Activation;
using Precision.Orleans.Runtime.Directory;
using Precision.Orleans.Runtime.Messaging;

namespace Precision.Orleans.Runtime.Proxies;

/// <summary>
/// A grain reference: a <see cref="DispatchProxy"/> implementing the grain interface whose every method becomes a
/// grain call through the invoker. Task&lt;T&gt; results are typed by a cached per-T adapter.
/// </summary>
public class GrainProxy : DispatchProxy
{
    private static readonly ConcurrentDictionary<Type, Func<Task<object?>, Task>> Adapters = new();
    private static readonly MethodInfo AdaptMethod = typeof(GrainProxy).GetMethod(nameof(Adapt), BindingFlags.NonPublic | BindingFlags.Static)!;

    private GrainInterface _interface = null!;
    private GrainCallInvoker _invoker = null!;

    /// <summary>The grain this reference points at.</summary>
    public GrainId GrainId { get; private set; }

    internal static TGrain Create<TGrain>(string key, GrainCallInvoker invoker)
    {
        var proxy = Create<TGrain, GrainProxy>();
        var self = (GrainProxy)(object)proxy!;
        self._interface = GrainInterface.Of(typeof(TGrain));
        self._invoker = invoker;
        self.GrainId = GrainId.For(typeof(TGrain), key);
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var method = _interface.Method(targetMethod);
        var call = _invoker.InvokeAsync(GrainId, method, args ?? []);
        return method.ResultType is null
            ? call
            : Adapters.GetOrAdd(method.ResultType, t => AdaptMethod.MakeGenericMethod(t).CreateDelegate<Func<Task<object?>, Task>>())(call);
    }

    private static async Task<T> Adapt<T>(Task<object?> call) => (T)(await call.ConfigureAwait(false))!;

    public override string ToString() => $"GrainReference({GrainId})";
}

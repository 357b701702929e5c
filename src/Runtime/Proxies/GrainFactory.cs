using Precision.Orleans.Abstractions.Grains;
using Precision.Orleans.Runtime.Messaging;

namespace Precision.Orleans.Runtime.Proxies;

/// <summary><see cref="IGrainFactory"/> over a call invoker: references are proxies, created without any I/O.</summary>
internal sealed class GrainFactory(GrainCallInvoker invoker) : IGrainFactory
{
    public TGrain GetGrain<TGrain>(string key) where TGrain : IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(key);
        return GrainProxy.Create<TGrain>(key, invoker);
    }
}

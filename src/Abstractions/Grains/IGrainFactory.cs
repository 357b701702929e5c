namespace Precision.Orleans.Abstractions.Grains;

/// <summary>
/// Hands out references to grains. Getting a reference is cheap and local: no activation happens until the first
/// call, and a reference stays valid across deactivations and silo failures (the runtime re-resolves it per call).
/// </summary>
public interface IGrainFactory
{
    TGrain GetGrain<TGrain>(string key) where TGrain : IGrainWithStringKey;
}

using Precision.Orleans.Runtime.Storage;

namespace Precision.Orleans.Grains;

/// <summary>A grain's view of one storage document: the last value read or written, and the version to write against.</summary>
internal sealed class DurableState<T>(IGrainStorage storage, string stateName, string key, Func<T> empty) where T : class
{
    private long _version;

    public T Value { get; private set; } = empty();

    public bool Exists => _version > 0;

    public async Task<T> ReadAsync()
    {
        var stored = await storage.ReadAsync(stateName, key).ConfigureAwait(false);
        (Value, _version) = stored is null ? (empty(), 0) : (GrainJson.Read<T>(stored.Data), stored.Version);
        return Value;
    }

    public async Task WriteAsync(T value)
    {
        _version = await storage.WriteAsync(stateName, key, GrainJson.Write(value), _version).ConfigureAwait(false);
        Value = value;
    }
}

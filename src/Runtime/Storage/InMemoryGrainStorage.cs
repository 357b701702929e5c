namespace Precision.Orleans.Runtime.Storage;

/// <summary>Grain storage of the embedded mode and the in-process test cluster: one dictionary shared by its silos.</summary>
public sealed class InMemoryGrainStorage : IGrainStorage
{
    private readonly Dictionary<(string, string), StoredState> _states = [];
    private readonly Lock _lock = new();

    public Task<StoredState?> ReadAsync(string stateName, string key, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_states.GetValueOrDefault((stateName, key)));
        }
    }

    public Task<long> WriteAsync(string stateName, string key, string data, long expectedVersion, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            long actual = _states.GetValueOrDefault((stateName, key))?.Version ?? 0;
            if (actual != expectedVersion)
            {
                throw new StorageConflictException(stateName, key, expectedVersion, actual);
            }
            _states[(stateName, key)] = new StoredState(data, actual + 1);
            return Task.FromResult(actual + 1);
        }
    }
}

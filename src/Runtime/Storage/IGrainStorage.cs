namespace Precision.Orleans.Runtime.Storage;

/// <summary>
/// Durable grain state (Orleans' IGrainStorage, reduced): one text document per (state name, grain key), written with
/// optimistic concurrency — a write names the version it read, so two activations of a grain that briefly overlap
/// (a silo declared dead that is still running) cannot silently overwrite each other.
/// </summary>
public interface IGrainStorage
{
    /// <summary>The stored document, or null when none was written.</summary>
    Task<StoredState?> ReadAsync(string stateName, string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes <paramref name="data"/> if the stored version is still <paramref name="expectedVersion"/> (0 = absent) and
    /// returns the new version; otherwise throws <see cref="StorageConflictException"/>.
    /// </summary>
    Task<long> WriteAsync(string stateName, string key, string data, long expectedVersion, CancellationToken cancellationToken = default);
}

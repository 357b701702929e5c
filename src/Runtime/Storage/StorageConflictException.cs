namespace Precision.Orleans.Runtime.Storage;

/// <summary>A write named a version that is no longer the stored one: another activation wrote meanwhile.</summary>
public sealed class StorageConflictException(string stateName, string key, long expected, long actual)
    : Exception($"grain state '{stateName}/{key}': expected version {expected}, stored version is {actual} (another activation wrote it)")
{
    public long ExpectedVersion { get; } = expected;
    public long ActualVersion { get; } = actual;
}

using System.Collections.Concurrent;
using Orleans.Serialization;
using Orleans.Storage;

namespace Precision.Orleans.Grains.Tests;

/// <summary>
/// Grain storage shared by the silos of an in-process test cluster and surviving any of them (what Redis is to a real
/// cluster; Orleans' memory storage lives in grains and dies with their silo). Values are kept serialized, with an
/// ETag per record that a stale writer trips over.
/// </summary>
internal sealed class SharedGrainStorage(ConcurrentDictionary<string, (byte[] Data, string ETag)> records, Serializer serializer) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (records.TryGetValue(Key(stateName, grainId), out var record))
        {
            grainState.State = serializer.Deserialize<T>(record.Data);
            grainState.ETag = record.ETag;
            grainState.RecordExists = true;
        }
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        string key = Key(stateName, grainId);
        lock (records)
        {
            records.TryGetValue(key, out var current);
            if (current.ETag != grainState.ETag)
                throw new InconsistentStateException($"{key}: stored ETag {current.ETag ?? "none"}, writer had {grainState.ETag ?? "none"}", current.ETag, grainState.ETag);
            string etag = Guid.NewGuid().ToString("N");
            records[key] = (serializer.SerializeToArray(grainState.State), etag);
            grainState.ETag = etag;
            grainState.RecordExists = true;
        }
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        records.TryRemove(Key(stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    private static string Key(string stateName, GrainId grainId) => $"{stateName}/{grainId}";
}

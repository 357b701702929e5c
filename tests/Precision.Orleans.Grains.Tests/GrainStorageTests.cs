using Precision.Orleans.Runtime.Storage;
using Xunit;

namespace Precision.Orleans.Grains.Tests;

/// <summary>Both grain storages: read-your-write, versions, and the optimistic-concurrency refusal.</summary>
public sealed class GrainStorageTests
{
    [Fact]
    public Task In_memory_storage_keeps_versions_and_refuses_stale_writes() => Exercise(new InMemoryGrainStorage());

    [Fact]
    public async Task PostgreSQL_storage_keeps_versions_and_refuses_stale_writes()
    {
        string clusterId = "storage-" + Guid.NewGuid().ToString("N")[..10];
        await using var storage = await PostgresGrainStorage.ConnectAsync(PostgresRlCluster.ConnectionString, clusterId);
        await Exercise(storage);
        // Another cluster id sees nothing of it.
        await using var other = await PostgresGrainStorage.ConnectAsync(PostgresRlCluster.ConnectionString, clusterId + "-other");
        Assert.Null(await other.ReadAsync("run", "r1"));
    }

    private static async Task Exercise(IGrainStorage storage)
    {
        Assert.Null(await storage.ReadAsync("run", "r1"));
        Assert.Equal(1, await storage.WriteAsync("run", "r1", "{\"a\":1}", expectedVersion: 0));
        Assert.Equal(new StoredState("{\"a\":1}", 1), await storage.ReadAsync("run", "r1"));
        Assert.Equal(2, await storage.WriteAsync("run", "r1", "{\"a\":2}", expectedVersion: 1));

        // A writer that read version 1 (another activation) is refused, and the stored document is untouched.
        var stale = await Assert.ThrowsAsync<StorageConflictException>(() => storage.WriteAsync("run", "r1", "{\"a\":3}", expectedVersion: 1));
        Assert.Equal((1, 2), (stale.ExpectedVersion, stale.ActualVersion));
        Assert.Contains("run/r1", stale.Message);
        var create = await Assert.ThrowsAsync<StorageConflictException>(() => storage.WriteAsync("run", "r1", "{}", expectedVersion: 0));
        Assert.Equal(2, create.ActualVersion);
        Assert.Equal(new StoredState("{\"a\":2}", 2), await storage.ReadAsync("run", "r1"));

        // Keys and state names are separate documents.
        Assert.Null(await storage.ReadAsync("run-progress", "r1"));
        Assert.Equal(1, await storage.WriteAsync("run", "r2", "x", 0));

        // Of two concurrent writers on the same version exactly one wins.
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                await storage.WriteAsync("run", "r2", $"w{i}", 1);
                return true;
            }
            catch (StorageConflictException)
            {
                return false;
            }
        }));
        Assert.Equal(1, results.Count(r => r));
        Assert.Equal(2, (await storage.ReadAsync("run", "r2"))!.Version);
    }
}

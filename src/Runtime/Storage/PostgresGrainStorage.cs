using Npgsql;

namespace Precision.Orleans.Runtime.Storage;

/// <summary>
/// Grain storage in PostgreSQL: table <see cref="TableName"/>, one row per (cluster, state name, key). The
/// optimistic-concurrency check is part of the statement (INSERT … ON CONFLICT DO NOTHING for version 0, UPDATE …
/// WHERE version = expected otherwise), never read-then-write.
/// </summary>
public sealed class PostgresGrainStorage(NpgsqlDataSource dataSource, string clusterId) : IGrainStorage, IAsyncDisposable
{
    public const string TableName = "precision_grain_state";

    private const string CreateSql = $"""
        CREATE TABLE IF NOT EXISTS {TableName} (
            cluster_id  text        NOT NULL,
            state_name  text        NOT NULL,
            grain_key   text        NOT NULL,
            data        text        NOT NULL,
            version     bigint      NOT NULL,
            written_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (cluster_id, state_name, grain_key)
        );
        """;

    // Serialises concurrent CREATE TABLE IF NOT EXISTS from silos starting together (it can race on the catalog).
    private const long SchemaLockKey = 0x5052_4543_5354_4154; // "PRECSTAT"

    /// <summary>Connects and creates the table when absent (safe from every silo at every start).</summary>
    public static async Task<PostgresGrainStorage> ConnectAsync(string connectionString, string clusterId, CancellationToken cancellationToken = default)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            await using (var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({SchemaLockKey}); {CreateSql}", connection, transaction))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        return new PostgresGrainStorage(dataSource, clusterId);
    }

    public async Task<StoredState?> ReadAsync(string stateName, string key, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT data, version FROM {TableName} WHERE cluster_id = $1 AND state_name = $2 AND grain_key = $3");
        command.Parameters.AddWithValue(clusterId);
        command.Parameters.AddWithValue(stateName);
        command.Parameters.AddWithValue(key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? new StoredState(reader.GetString(0), reader.GetInt64(1)) : null;
    }

    public async Task<long> WriteAsync(string stateName, string key, string data, long expectedVersion, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(expectedVersion == 0
            ? $"INSERT INTO {TableName} (cluster_id, state_name, grain_key, data, version) VALUES ($1, $2, $3, $4, 1) ON CONFLICT DO NOTHING RETURNING version"
            : $"UPDATE {TableName} SET data = $4, version = version + 1, written_at = now() WHERE cluster_id = $1 AND state_name = $2 AND grain_key = $3 AND version = $5 RETURNING version");
        command.Parameters.AddWithValue(clusterId);
        command.Parameters.AddWithValue(stateName);
        command.Parameters.AddWithValue(key);
        command.Parameters.AddWithValue(data);
        if (expectedVersion != 0) command.Parameters.AddWithValue(expectedVersion);
        var written = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        if (written is long version) return version;
        var stored = await ReadAsync(stateName, key, cancellationToken).ConfigureAwait(false);
        throw new StorageConflictException(stateName, key, expectedVersion, stored?.Version ?? 0);
    }

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}

using Npgsql;
using Precision.Orleans.Runtime.Directory;
using Precision.Orleans.Runtime.Membership;

namespace Precision.Orleans.Runtime.Clustering.Postgres;

/// <summary>
/// <see cref="IGrainDirectory"/> in PostgreSQL. One activation per grain is enforced by the database: the primary key
/// (cluster, grain) plus INSERT … ON CONFLICT DO UPDATE … WHERE &lt;the holder's silo is Dead or unknown&gt;. The
/// conflicting row is locked while the WHERE is evaluated, so of any number of concurrent registrations exactly one
/// row results; every caller then reads that row back. A registrant that is itself Dead or unknown is refused.
/// </summary>
public sealed class PostgresGrainDirectory : IGrainDirectory
{
    private const string Table = PostgresSchema.DirectoryTable;
    private const string Members = PostgresSchema.MembershipTable;

    // The holder is live only if its silo has a membership row that is not Dead.
    private const string HolderIsLive = $"""
        EXISTS (SELECT 1 FROM {Members} m
                 WHERE m.cluster_id = d.cluster_id AND m.silo_id = d.silo_id AND m.endpoint = d.silo_endpoint
                   AND m.generation = d.silo_generation AND m.status <> @dead)
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _clusterId;

    /// <param name="dataSource">Shared with the membership table; the caller owns (disposes) it.</param>
    /// <param name="clusterId">Rows of other clusters in the same database are invisible.</param>
    public PostgresGrainDirectory(NpgsqlDataSource dataSource, string clusterId)
    {
        _dataSource = dataSource;
        _clusterId = clusterId;
    }

    public async Task<GrainAddress> RegisterOrGetAsync(GrainAddress address, CancellationToken cancellationToken = default)
    {
        // INSERT … SELECT … WHERE <registrant live>: a silo already declared dead cannot register, checked in the same
        // statement as the write. ON CONFLICT … WHERE NOT <holder live>: a live holder keeps the grain.
        const string upsert = $"""
            INSERT INTO {Table} AS d (cluster_id, grain_type, grain_key, silo_id, silo_endpoint, silo_generation, activation_id)
            SELECT @cluster, @type, @key, @silo, @endpoint, @generation, @activation
             WHERE EXISTS (SELECT 1 FROM {Members} r
                            WHERE r.cluster_id = @cluster AND r.silo_id = @silo AND r.endpoint = @endpoint
                              AND r.generation = @generation AND r.status <> @dead)
            ON CONFLICT (cluster_id, grain_type, grain_key) DO UPDATE
               SET silo_id = EXCLUDED.silo_id, silo_endpoint = EXCLUDED.silo_endpoint,
                   silo_generation = EXCLUDED.silo_generation, activation_id = EXCLUDED.activation_id,
                   registered_at = now()
             WHERE NOT {HolderIsLive}
            """;
        // A loop because the winner may be unregistered between our upsert and our read; then we try again.
        for (var attempt = 0; ; attempt++)
        {
            await using (var command = _dataSource.CreateCommand(upsert))
            {
                AddGrain(command, address.GrainId);
                AddSilo(command, address.Silo);
                command.Parameters.AddWithValue("activation", address.ActivationId);
                command.Parameters.AddWithValue("dead", (short)SiloStatus.Dead);
                if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
                {
                    return address;
                }
            }

            var holder = await LookupAsync(address.GrainId, cancellationToken).ConfigureAwait(false);
            if (holder is not null && await IsLiveAsync(holder.Silo, cancellationToken).ConfigureAwait(false))
            {
                return holder;
            }

            if (!await IsLiveAsync(address.Silo, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException(
                    $"Silo {address.Silo} is Dead or unknown in the membership table; it cannot register {address.GrainId}.");
            }

            if (attempt >= 100)
            {
                throw new InvalidOperationException(
                    $"Grain directory: could not register or read {address.GrainId} after {attempt + 1} attempts " +
                    "(its registration keeps changing concurrently).");
            }
        }
    }

    public async Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken = default)
    {
        const string sql = $"""
            SELECT silo_id, silo_endpoint, silo_generation, activation_id
              FROM {Table} WHERE cluster_id = @cluster AND grain_type = @type AND grain_key = @key
            """;
        await using var command = _dataSource.CreateCommand(sql);
        AddGrain(command, grainId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new GrainAddress(
            grainId,
            new SiloAddress(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)),
            reader.GetString(3));
    }

    public async Task<bool> UnregisterAsync(GrainAddress address, CancellationToken cancellationToken = default)
    {
        // Only this exact activation: a deactivating activation never removes its successor's registration.
        const string sql = $"""
            DELETE FROM {Table}
             WHERE cluster_id = @cluster AND grain_type = @type AND grain_key = @key AND activation_id = @activation
               AND silo_id = @silo AND silo_endpoint = @endpoint AND silo_generation = @generation
            """;
        await using var command = _dataSource.CreateCommand(sql);
        AddGrain(command, address.GrainId);
        AddSilo(command, address.Silo);
        command.Parameters.AddWithValue("activation", address.ActivationId);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task<int> UnregisterSiloAsync(SiloAddress silo, CancellationToken cancellationToken = default)
    {
        const string sql = $"""
            DELETE FROM {Table}
             WHERE cluster_id = @cluster AND silo_id = @silo AND silo_endpoint = @endpoint AND silo_generation = @generation
            """;
        await using var command = _dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("cluster", _clusterId);
        AddSilo(command, silo);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyDictionary<SiloAddress, int>> CountBySiloAsync(CancellationToken cancellationToken = default)
    {
        const string sql = $"""
            SELECT silo_id, silo_endpoint, silo_generation, count(*)
              FROM {Table} WHERE cluster_id = @cluster
             GROUP BY silo_id, silo_endpoint, silo_generation
            """;
        await using var command = _dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("cluster", _clusterId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var counts = new Dictionary<SiloAddress, int>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts[new SiloAddress(reader.GetString(0), reader.GetString(1), reader.GetInt64(2))] = checked((int)reader.GetInt64(3));
        }

        return counts;
    }

    private async Task<bool> IsLiveAsync(SiloAddress silo, CancellationToken cancellationToken)
    {
        const string sql = $"""
            SELECT 1 FROM {Members}
             WHERE cluster_id = @cluster AND silo_id = @silo AND endpoint = @endpoint AND generation = @generation
               AND status <> @dead
            """;
        await using var command = _dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("cluster", _clusterId);
        AddSilo(command, silo);
        command.Parameters.AddWithValue("dead", (short)SiloStatus.Dead);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    private void AddGrain(NpgsqlCommand command, GrainId grainId)
    {
        command.Parameters.AddWithValue("cluster", _clusterId);
        command.Parameters.AddWithValue("type", grainId.Type);
        command.Parameters.AddWithValue("key", grainId.Key);
    }

    private static void AddSilo(NpgsqlCommand command, SiloAddress silo)
    {
        command.Parameters.AddWithValue("silo", silo.SiloId);
        command.Parameters.AddWithValue("endpoint", silo.Endpoint);
        command.Parameters.AddWithValue("generation", silo.Generation);
    }
}

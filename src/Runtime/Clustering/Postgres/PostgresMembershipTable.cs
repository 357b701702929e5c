using Npgsql;
using NpgsqlTypes;
using Precision.Orleans.Runtime.Membership;

namespace Precision.Orleans.Runtime.Clustering.Postgres;

/// <summary>
/// <see cref="IMembershipTable"/> in PostgreSQL (the role of Orleans' ADO.NET clustering table). Every operation is a
/// single statement, atomic on its own; the conditions that make them safe under races (a Dead row is never revived,
/// a heartbeat never goes backwards, mark-dead only on the observed heartbeat) are in the WHERE clauses, evaluated by
/// the database under the row lock, not read-then-written by us.
/// </summary>
public sealed class PostgresMembershipTable : IMembershipTable
{
    private const string Table = PostgresSchema.MembershipTable;

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _clusterId;

    /// <param name="dataSource">Shared with the grain directory; the caller owns (disposes) it.</param>
    /// <param name="clusterId">Rows of other clusters in the same database are invisible.</param>
    public PostgresMembershipTable(NpgsqlDataSource dataSource, string clusterId)
    {
        _dataSource = dataSource;
        _clusterId = clusterId;
    }

    public async Task<bool> UpsertAsync(MembershipEntry entry, CancellationToken cancellationToken = default)
    {
        // ON CONFLICT … WHERE status <> Dead: a row declared Dead stays Dead (the silo must rejoin with a new
        // generation); statuses only move forward (GREATEST), so a late "Active" cannot undo "ShuttingDown".
        const string sql = $"""
            INSERT INTO {Table} AS m (cluster_id, silo_id, endpoint, generation, roles, status, started_at, last_heartbeat, version)
            VALUES (@cluster, @silo, @endpoint, @generation, @roles, @status, @started, @heartbeat, 0)
            ON CONFLICT (cluster_id, silo_id, endpoint, generation) DO UPDATE
               SET roles = EXCLUDED.roles,
                   status = GREATEST(m.status, EXCLUDED.status),
                   last_heartbeat = GREATEST(m.last_heartbeat, EXCLUDED.last_heartbeat),
                   version = m.version + 1
             WHERE m.status <> @dead
            """;
        await using var command = _dataSource.CreateCommand(sql);
        AddSilo(command, entry.Silo);
        command.Parameters.Add(new NpgsqlParameter("roles", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = entry.Roles.ToArray() });
        command.Parameters.AddWithValue("status", (short)entry.Status);
        command.Parameters.AddWithValue("started", entry.StartedAt.ToUniversalTime());
        command.Parameters.AddWithValue("heartbeat", entry.LastHeartbeat.ToUniversalTime());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task<IReadOnlyList<MembershipEntry>> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        const string sql = $"""
            SELECT silo_id, endpoint, generation, roles, status, started_at, last_heartbeat
              FROM {Table} WHERE cluster_id = @cluster
            """;
        await using var command = _dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("cluster", _clusterId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<MembershipEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new MembershipEntry(
                new SiloAddress(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)),
                reader.GetFieldValue<string[]>(3),
                ReadStatus(reader.GetInt16(4)),
                reader.GetFieldValue<DateTimeOffset>(5),
                reader.GetFieldValue<DateTimeOffset>(6)));
        }

        return entries;
    }

    public async Task<bool> HeartbeatAsync(SiloAddress silo, DateTimeOffset utcNow, CancellationToken cancellationToken = default)
    {
        const string sql = $"""
            UPDATE {Table}
               SET last_heartbeat = GREATEST(last_heartbeat, @now), version = version + 1
             WHERE cluster_id = @cluster AND silo_id = @silo AND endpoint = @endpoint AND generation = @generation
               AND status <> @dead
            """;
        await using var command = _dataSource.CreateCommand(sql);
        AddSilo(command, silo);
        command.Parameters.AddWithValue("now", utcNow.ToUniversalTime());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task<bool> TryMarkDeadAsync(SiloAddress silo, DateTimeOffset observedHeartbeat, CancellationToken cancellationToken = default)
    {
        // The observed heartbeat is the etag: of two detectors racing, the second finds status = Dead and updates
        // nothing; a silo that heartbeated after the suspicion no longer matches and survives.
        const string sql = $"""
            UPDATE {Table}
               SET status = @dead, version = version + 1
             WHERE cluster_id = @cluster AND silo_id = @silo AND endpoint = @endpoint AND generation = @generation
               AND status <> @dead AND last_heartbeat = @observed
            """;
        await using var command = _dataSource.CreateCommand(sql);
        AddSilo(command, silo);
        command.Parameters.AddWithValue("observed", ToMicroseconds(observedHeartbeat));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private void AddSilo(NpgsqlCommand command, SiloAddress silo)
    {
        command.Parameters.AddWithValue("cluster", _clusterId);
        command.Parameters.AddWithValue("silo", silo.SiloId);
        command.Parameters.AddWithValue("endpoint", silo.Endpoint);
        command.Parameters.AddWithValue("generation", silo.Generation);
        command.Parameters.AddWithValue("dead", (short)SiloStatus.Dead);
    }

    // timestamptz keeps microseconds; a heartbeat observed with 100 ns ticks compares as the stored value does.
    private static DateTimeOffset ToMicroseconds(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return utc.AddTicks(-(utc.Ticks % 10));
    }

    private static SiloStatus ReadStatus(short value) =>
        Enum.IsDefined((SiloStatus)value)
            ? (SiloStatus)value
            : throw new InvalidDataException($"{Table}.status holds {value}, which is not a SiloStatus.");
}

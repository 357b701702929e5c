using Npgsql;

namespace Precision.Orleans.Runtime.Clustering.Postgres;

/// <summary>
/// The two tables of a cluster, created idempotently (IF NOT EXISTS) by whichever silo starts first.
/// <list type="bullet">
/// <item>precision_membership: one row per silo incarnation (silo id, endpoint, generation). Declaring a silo dead is
/// a conditional update on the heartbeat the detector observed, so two silos declaring a third dead cannot clobber
/// each other, nor kill a silo that heartbeated meanwhile; <c>version</c> counts the row's writes (for operators).</item>
/// <item>precision_grain_directory: one row per grain id; the primary key is what guarantees one activation per
/// grain in the cluster — registration is INSERT … ON CONFLICT, never read-then-write.</item>
/// </list>
/// </summary>
public static class PostgresSchema
{
    public const string MembershipTable = "precision_membership";
    public const string DirectoryTable = "precision_grain_directory";

    // Serialised by an advisory lock: concurrent CREATE TABLE IF NOT EXISTS can still race on the catalog's
    // unique index (a known PostgreSQL behaviour) when several silos start together.
    private const long SchemaLockKey = 0x5052_4543_4953_494F; // "PRECISIO"

    private static readonly string CreateSql = $"""
        SELECT pg_advisory_xact_lock({SchemaLockKey});
        CREATE TABLE IF NOT EXISTS {MembershipTable} (
            cluster_id      text        NOT NULL,
            silo_id         text        NOT NULL,
            generation      bigint      NOT NULL,
            endpoint        text        NOT NULL,
            roles           text[]      NOT NULL,
            status          smallint    NOT NULL,
            started_at      timestamptz NOT NULL,
            last_heartbeat  timestamptz NOT NULL,
            version         bigint      NOT NULL DEFAULT 0,
            PRIMARY KEY (cluster_id, silo_id, endpoint, generation)
        );
        CREATE TABLE IF NOT EXISTS {DirectoryTable} (
            cluster_id      text        NOT NULL,
            grain_type      text        NOT NULL,
            grain_key       text        NOT NULL,
            silo_id         text        NOT NULL,
            silo_endpoint   text        NOT NULL,
            silo_generation bigint      NOT NULL,
            activation_id   text        NOT NULL,
            registered_at   timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (cluster_id, grain_type, grain_key)
        );
        CREATE INDEX IF NOT EXISTS {DirectoryTable}_silo ON {DirectoryTable} (cluster_id, silo_id, silo_endpoint, silo_generation);
        """;

    /// <summary>Creates the tables when absent; safe to call from every silo at every start.</summary>
    public static async Task EnsureCreatedAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand(CreateSql, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}

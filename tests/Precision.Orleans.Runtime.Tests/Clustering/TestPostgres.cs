using Precision.Orleans.Runtime.Clustering.Postgres;

namespace Precision.Orleans.Runtime.Tests.Clustering;

/// <summary>
/// The throwaway PostgreSQL that test.sh starts (scripts/test-postgres.sh) and names in PRECISION_TEST_PG.
/// Tests that need it fail — never skip — when it is missing. Each test gets its own cluster id, so tests share the
/// database without seeing each other's rows.
/// </summary>
internal static class TestPostgres
{
    public const string Variable = "PRECISION_TEST_PG";

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set: these integration tests need the throwaway PostgreSQL. Run ./test.sh, or " +
                $"`eval \"$(scripts/test-postgres.sh start | sed 's/^/export /')\"` before dotnet test " +
                "(and `scripts/test-postgres.sh stop $PRECISION_TEST_PG_DIR` afterwards).");

    public static string NewClusterId() => "test-" + Guid.NewGuid().ToString("N")[..12];

    public static Task<PostgresClustering> ConnectAsync(string? clusterId = null, int maxPoolSize = 50) =>
        PostgresClustering.ConnectAsync(new PostgresClusteringOptions
        {
            ConnectionString = ConnectionString + $";Maximum Pool Size={maxPoolSize}",
            ClusterId = clusterId ?? NewClusterId(),
        });
}

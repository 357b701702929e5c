using Npgsql;

namespace Precision.Orleans.Runtime.Clustering.Postgres;

/// <summary>
/// A cluster's PostgreSQL state for one silo or client: one pooled data source shared by the membership table and
/// the grain directory, with the schema ensured on connect.
/// </summary>
public sealed class PostgresClustering : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    private PostgresClustering(NpgsqlDataSource dataSource, string clusterId)
    {
        _dataSource = dataSource;
        Membership = new PostgresMembershipTable(dataSource, clusterId);
        Directory = new PostgresGrainDirectory(dataSource, clusterId);
    }

    public PostgresMembershipTable Membership { get; }

    public PostgresGrainDirectory Directory { get; }

    /// <summary>Opens the data source and creates the tables when absent.</summary>
    /// <exception cref="ArgumentException">The connection string does not parse (the message says why).</exception>
    public static async Task<PostgresClustering> ConnectAsync(PostgresClusteringOptions options, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(options.ClusterId))
        {
            throw new ArgumentException("PostgreSQL clustering: ClusterId is empty.", nameof(options));
        }

        NpgsqlDataSource dataSource;
        try
        {
            dataSource = NpgsqlDataSource.Create(options.ConnectionString);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"PostgreSQL clustering: invalid connection string: {e.Message}", nameof(options), e);
        }

        try
        {
            await PostgresSchema.EnsureCreatedAsync(dataSource, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new PostgresClustering(dataSource, options.ClusterId);
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}

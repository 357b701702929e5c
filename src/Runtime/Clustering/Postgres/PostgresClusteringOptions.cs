namespace Precision.Orleans.Runtime.Clustering.Postgres;

/// <summary>Where and under which name a cluster keeps its membership table and grain directory.</summary>
public sealed record PostgresClusteringOptions
{
    /// <summary>Npgsql connection string, e.g. "Host=127.0.0.1;Port=5432;Username=precision;Database=precision".</summary>
    public required string ConnectionString { get; init; }

    /// <summary>
    /// Clusters sharing one database are told apart by this id (every row carries it). Default "precision".
    /// </summary>
    public string ClusterId { get; init; } = "precision";
}

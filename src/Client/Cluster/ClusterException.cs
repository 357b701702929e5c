namespace Precision.Orleans.Client.Cluster;

/// <summary>A cluster command failed for a reason the user can act on (no token, refused token, unreachable silo,
/// refused spec, unknown run); the message says which. Commands print it and exit with <see cref="ExitCode"/>.</summary>
public sealed class ClusterException(string message, Exception? inner = null) : Exception(message, inner)
{
    public const int ExitCode = 2;
}

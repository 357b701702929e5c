namespace Precision.Orleans.Client.Cluster;

/// <summary>
/// Which silo a command talks to and with which token: --cluster URL / --token, else the environment variables
/// <see cref="AddressVariable"/> / <see cref="TokenVariable"/>. Any silo of the cluster will do: each serves the
/// whole cluster's runs.
/// </summary>
public sealed record ClusterTarget(Uri Address, string Token)
{
    public const string AddressVariable = "PRECISION_CLUSTER";
    public const string TokenVariable = "PRECISION_CLUSTER_TOKEN";

    /// <returns>The target, or null when no address was given anywhere.</returns>
    /// <exception cref="ClusterException">A malformed address, or an address without a token.</exception>
    public static ClusterTarget? Resolve(string? address, string? token, Func<string, string?> environment)
    {
        address = Blank(address) ?? Blank(environment(AddressVariable));
        if (address is null)
        {
            return null;
        }
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ClusterException($"--cluster: '{address}' is not an http:// or https:// URL of a silo (e.g. http://127.0.0.1:11111).");
        }
        token = Blank(token) ?? Blank(environment(TokenVariable))
            ?? throw new ClusterException($"No cluster token: give --token or set {TokenVariable} (the silo refuses every request without it).");
        return new ClusterTarget(uri, token);
    }

    /// <summary>Like <see cref="Resolve"/>, for commands that need a cluster.</summary>
    public static ClusterTarget Require(string? address, string? token, Func<string, string?> environment) =>
        Resolve(address, token, environment)
        ?? throw new ClusterException($"No cluster address: give --cluster URL or set {AddressVariable} (only `precision submit` runs without one, on an embedded silo).");

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}

namespace Precision.Orleans.Client.Cluster;

/// <summary>
/// Which cluster a command talks to: the cluster's Redis (where the silos' membership and gateway list live), from
/// --cluster redis://[:PASSWORD@]HOST:PORT or <see cref="AddressVariable"/>; the password from the URL, --password or
/// <see cref="PasswordVariable"/>; the Orleans cluster/service id from <see cref="ClusterIdVariable"/> (default "precision");
/// the cluster certificate, when the cluster requires mutual TLS, from <see cref="CertificateVariable"/>.
/// </summary>
public sealed record ClusterTarget(string Host, int Port, string Password, string ClusterId)
{
    public const string CertificateVariable = "PRECISION_CLUSTER_CERTIFICATE";
    public const string CertificatePasswordVariable = "PRECISION_CLUSTER_CERTIFICATE_PASSWORD";

    /// <summary>The cluster certificate (.pfx) when the cluster requires mutual TLS, from <see cref="CertificateVariable"/>; "" = none.</summary>
    public string CertificatePath { get; init; } = "";

    /// <summary>Its password, from <see cref="CertificatePasswordVariable"/>.</summary>
    public string CertificatePassword { get; init; } = "";

    public const string AddressVariable = "PRECISION_CLUSTER";
    public const string PasswordVariable = "PRECISION_CLUSTER_PASSWORD";
    public const string ClusterIdVariable = "PRECISION_CLUSTER_ID";
    public const string DefaultClusterId = "precision";

    /// <summary>The StackExchange.Redis configuration (with the password).</summary>
    public string RedisConfiguration => $"{Host}:{Port},password={Password},abortConnect=false,connectTimeout=3000";

    /// <summary>For messages: the address without the password.</summary>
    public string Display => $"redis://{Host}:{Port}";

    /// <returns>The target, or null when no address was given anywhere.</returns>
    /// <exception cref="ClusterException">A malformed address, or no password.</exception>
    public static ClusterTarget? Resolve(string? address, string? password, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        address = Blank(address) ?? Blank(environment(AddressVariable));
        if (address is null) return null;
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme != "redis" || uri.Host.Length == 0 || uri.AbsolutePath is not ("" or "/"))
            throw new ClusterException($"--cluster: '{Redact(address)}' is not redis://[:PASSWORD@]HOST:PORT, the cluster's Redis (e.g. redis://127.0.0.1:6379).");
        int port = uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port;
        string? fromUrl = uri.UserInfo.Length > 0 ? Uri.UnescapeDataString(uri.UserInfo.TrimStart(':').Split(':')[^1]) : null;
        password = Blank(fromUrl) ?? Blank(password) ?? Blank(environment(PasswordVariable))
            ?? throw new ClusterException($"No Redis password: give it in the URL (redis://:PASSWORD@{uri.Host}:{port}), with --password or in {PasswordVariable} (the cluster's Redis requires one).");
        return new ClusterTarget(uri.Host, port, password, Blank(environment(ClusterIdVariable)) ?? DefaultClusterId)
        {
            CertificatePath = Blank(environment(CertificateVariable)) ?? "",
            CertificatePassword = environment(CertificatePasswordVariable) ?? "",
        };
    }

    /// <summary>Like <see cref="Resolve"/>, for commands that need a cluster.</summary>
    public static ClusterTarget Require(string? address, string? password, Func<string, string?> environment) =>
        Resolve(address, password, environment)
        ?? throw new ClusterException($"No cluster address: give --cluster redis://HOST:PORT or set {AddressVariable} (only `precision submit` runs without one, on an embedded silo).");

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static string Redact(string address) => System.Text.RegularExpressions.Regex.Replace(address, "//[^@/]*@", "//***@");
}

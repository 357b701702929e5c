using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;
using Orleans.Hosting;

namespace Precision.Orleans.Grains;

/// <summary>
/// Mutual TLS on every silo-to-silo and client-to-silo connection, pinned to the cluster's certificate: each side
/// presents it and accepts only a peer presenting the same certificate (compared by SHA-256 thumbprint; a self-signed
/// cluster certificate needs no CA). A silo or client without it cannot connect.
/// </summary>
public static class ClusterCertificate
{
    /// <summary>Loads a PKCS#12 (.pfx) file with its private key.</summary>
    /// <exception cref="InvalidDataException">The file is missing, unreadable, or has no private key (named).</exception>
    public static X509Certificate2 Load(string path, string? password)
    {
        if (!File.Exists(path)) throw new InvalidDataException($"cluster certificate '{path}' does not exist");
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new InvalidDataException($"cluster certificate '{path}' cannot be read as PKCS#12 (.pfx) with the given password: {e.Message}", e);
        }
        if (!certificate.HasPrivateKey) throw new InvalidDataException($"cluster certificate '{path}' has no private key");
        return certificate;
    }

    public static ISiloBuilder UseClusterCertificate(this ISiloBuilder builder, X509Certificate2 certificate) =>
        builder.UseTls(certificate, options => Require(options, certificate));

    /// <param name="rejected">Told the peer's certificate (null: none) each time it is refused — the handshake's failure
    /// itself only reaches the caller as an aborted connection.</param>
    public static IClientBuilder UseClusterCertificate(this IClientBuilder builder, X509Certificate2 certificate, Action<X509Certificate2?>? rejected = null) =>
        builder.UseTls(certificate, options => Require(options, certificate, rejected));

    private static void Require(TlsOptions options, X509Certificate2 certificate, Action<X509Certificate2?>? rejected = null)
    {
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        byte[] pinned = certificate.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        options.RemoteCertificateValidation = (remote, _, _) =>
        {
            bool accepted = remote is not null && remote.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256).AsSpan().SequenceEqual(pinned);
            if (!accepted) rejected?.Invoke(remote);
            return accepted;
        };
    }
}

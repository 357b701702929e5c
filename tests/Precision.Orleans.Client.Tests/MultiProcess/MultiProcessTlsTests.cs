using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans;
using Precision.Orleans.Client.Cluster;
using Precision.Orleans.Client.Tests.Console;
using Xunit;

namespace Precision.Orleans.Client.Tests.MultiProcess;

/// <summary>
/// A cluster started with its certificate (Silo:CertificatePath): every connection is mutual TLS pinned to it. A run
/// submitted by a console holding the certificate completes; a console without it, or with another certificate, is
/// refused within the bounded connect time; a silo without it never joins.
/// </summary>
public sealed class MultiProcessTlsTests
{
    [Fact]
    public async Task Only_silos_and_clients_with_the_cluster_certificate_get_in()
    {
        await using var cluster = new SiloCluster();
        string clusterCert = WriteSelfSigned(cluster.Tiny.Root, "cluster", "cert-pw");
        string otherCert = WriteSelfSigned(cluster.Tiny.Root, "other", "cert-pw");
        var tls = new Dictionary<string, string> { ["CertificatePath"] = clusterCert, ["CertificatePassword"] = "cert-pw" };
        var learner = cluster.StartSiloAsync("learner", "learner", extra: tls);
        await cluster.StartSiloAsync("rollout-a", "rollout", rolloutSlots: 1, extra: tls);
        await learner;
        cluster.CertificatePath = clusterCert;
        cluster.CertificatePassword = "cert-pw";
        await cluster.ConnectAsync();

        var spec = cluster.Tiny.WriteSpec(3);
        var submit = await CommandRun.InvokeAsync("submit", spec, "--id", "tls-1", "--watch", "--cluster", cluster.Url);
        Assert.True(submit.ExitCode == 0, submit.Output + submit.Error);
        Assert.Contains("Completed, step 3/3", submit.Output, StringComparison.Ordinal);

        // Without the certificate, and with another one: refused, with the reason, within the connect bound.
        foreach (var (certificate, hint) in new[] { ((string?)null, ClusterTarget.CertificateVariable), (otherCert, "Is this the cluster's certificate?") })
        {
            Environment.SetEnvironmentVariable(ClusterTarget.CertificateVariable, certificate);
            var clock = Stopwatch.StartNew();
            var refused = await CommandRun.InvokeAsync("list", "--cluster", cluster.Url);
            Assert.Equal(ClusterException.ExitCode, refused.ExitCode);
            Assert.Contains("Cannot connect to cluster", refused.Error, StringComparison.Ordinal);
            Assert.Contains(hint, refused.Error, StringComparison.Ordinal);
            // Another certificate fails the TLS handshake, which no retry can fix: refused at once, not after retrying
            // for the whole connect bound (15 s). Without one the client speaks plain TCP to a TLS listener, which looks
            // like a gateway going away, so it is retried until the bound.
            var bound = certificate is null ? TimeSpan.FromSeconds(30) : ClusterRunClient.ConnectTimeout / 3;
            Assert.True(clock.Elapsed < bound, $"took {clock.Elapsed}, bound {bound}: {refused.Error}");
            if (certificate is not null) Assert.Contains("TLS handshake with its silo failed (the silo presented 'CN=precision-cluster'", refused.Error, StringComparison.Ordinal);
        }
        Environment.SetEnvironmentVariable(ClusterTarget.CertificateVariable, clusterCert);

        // A silo without the certificate does not become an active member (its process is killed after 20 s of trying).
        await Assert.ThrowsAnyAsync<InvalidOperationException>(() => cluster.StartSiloAsync("intruder", "rollout", rolloutSlots: 1, activeWithin: TimeSpan.FromSeconds(20)));
        var hosts = await cluster.Client.Grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Equal(2, hosts.Count);
    }

    /// <summary>A self-signed certificate for server and client authentication, as a .pfx with its key.</summary>
    private static string WriteSelfSigned(string directory, string name, string password)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN=precision-{name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        string path = Path.Combine(directory, name + ".pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }
}

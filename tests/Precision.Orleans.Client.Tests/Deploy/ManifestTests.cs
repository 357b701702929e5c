using Microsoft.Extensions.Configuration;
using Precision.Orleans.Grains.Placement;
using Precision.Orleans.SiloHost;
using YamlDotNet.RepresentationModel;
using Xunit;
using static Precision.Orleans.Client.Tests.Deploy.Manifests;

namespace Precision.Orleans.Client.Tests.Deploy;

/// <summary>
/// deploy/k8s parses and agrees with the code: every silo container's PRECISION_Silo__* variable is an option of
/// <see cref="SiloHostOptions"/> and the whole environment passes the silo's own validator; roles are the code's role
/// names; Orleans' Kubernetes hosting gets its labels, downward-API variables and RBAC; every referenced Secret key,
/// claim, service account and selector exists; Redis runs with AOF and a password; GPUs are requested.
/// </summary>
public sealed class ManifestTests
{
    private static readonly Manifests K8s = Manifests.Load();

    private static IEnumerable<YamlMappingNode> SiloDeployments =>
        K8s.OfKind("Deployment").Where(d => Str(d, "metadata", "labels", "app.kubernetes.io/component") == "silo");

    private static YamlMappingNode SiloContainer(YamlMappingNode deployment) =>
        Seq(deployment, "spec", "template", "spec", "containers").Single(c => Str(c, "name") == "silo");

    [Fact]
    public void Every_document_has_kind_name_and_the_namespace()
    {
        foreach (var (file, doc) in K8s.Documents)
        {
            Assert.False(string.IsNullOrEmpty(Str(doc, "apiVersion")), $"{file}: apiVersion");
            Assert.False(string.IsNullOrEmpty(Str(doc, "metadata", "name")), $"{file}: metadata.name");
            if (Str(doc, "kind") != "Namespace") Assert.Equal("precision", Str(doc, "metadata", "namespace"));
        }
        foreach (var kind in new[] { "StatefulSet", "Service", "Secret", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget",
            "PersistentVolumeClaim", "ServiceAccount", "Role", "RoleBinding" })
            Assert.NotEmpty(K8s.OfKind(kind));
    }

    [Fact]
    public void Silo_environment_binds_to_the_silo_options_and_passes_their_validator()
    {
        Assert.Equal(["precision-learner", "precision-rollout"], SiloDeployments.Select(d => Str(d, "metadata", "name")).Order());
        var known = typeof(SiloHostOptions).GetProperties().Select(p => p.Name).ToHashSet();
        foreach (var deployment in SiloDeployments)
        {
            string name = Str(deployment, "metadata", "name")!;
            var settings = new Dictionary<string, string?>();
            foreach (var variable in Seq(SiloContainer(deployment), "env"))
            {
                var key = Str(variable, "name")!;
                if (!key.StartsWith(SiloHostBuilder.EnvironmentPrefix, StringComparison.Ordinal)) continue;
                var path = key[SiloHostBuilder.EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal);
                Assert.StartsWith(SiloHostOptions.Section + ":", path, StringComparison.Ordinal);
                Assert.True(known.Contains(path[(SiloHostOptions.Section.Length + 1)..]), $"{name}: {key} is not a silo option");
                // Values from the pod (fieldRef) or a Secret get a stand-in of the right shape.
                settings[path] = Str(variable, "value") ?? (Get(variable, "valueFrom", "secretKeyRef") is not null ? "a-secret-of-24-characters!" : "10.0.0.7");
            }
            settings[SiloHostOptions.Section + ":Redis"] = settings[SiloHostOptions.Section + ":Redis"]!.Replace("$(REDIS_PASSWORD)", "pw", StringComparison.Ordinal);
            // The certificate path must be where the Secret volume puts cluster.pfx; the validator then reads a stand-in there.
            string certificate = settings[SiloHostOptions.Section + ":CertificatePath"]!;
            var mount = Seq(SiloContainer(deployment), "volumeMounts").Single(m => certificate.StartsWith(Str(m, "mountPath")! + "/", StringComparison.Ordinal));
            var volume = Seq(deployment, "spec", "template", "spec", "volumes").Single(v => Str(v, "name") == Str(mount, "name"));
            Assert.Equal(Path.GetFileName(certificate), Str(Seq(volume, "secret", "items").Single(), "path"));
            settings[SiloHostOptions.Section + ":CertificatePath"] = StandInCertificate(settings[SiloHostOptions.Section + ":CertificatePassword"]!);
            var options = SiloHostBuilder.Bind(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), out var failures);
            Assert.True(failures.Count == 0, $"{name}: {string.Join("; ", failures)}");
            string role = Str(deployment, "metadata", "labels", "precision/role")!;
            Assert.Equal([role], SiloHostOptionsValidator.Roles(options));
            Assert.Contains(role, new[] { SiloRoles.Learner, SiloRoles.Rollout });
            if (role == SiloRoles.Rollout) Assert.True(options.RolloutSlots > 0, $"{name}: a rollout silo without rollout slots");
            if (role == SiloRoles.Learner) Assert.True(options.WebPort > 0, $"{name}: the learner serves the web port");
            // Container ports are the options' ports.
            var ports = Seq(SiloContainer(deployment), "ports").ToDictionary(p => Str(p, "name")!, p => int.Parse(Str(p, "containerPort")!));
            Assert.Equal(options.SiloPort, ports["silo"]);
            Assert.Equal(options.GatewayPort, ports["gateway"]);
            if (options.WebPort > 0) Assert.Equal(options.WebPort, ports["web"]);
        }
    }

    [Fact]
    public void Silo_pods_carry_what_orleans_kubernetes_hosting_needs()
    {
        foreach (var deployment in SiloDeployments)
        {
            string name = Str(deployment, "metadata", "name")!;
            var labels = Map(deployment, "spec", "template", "metadata", "labels");
            var env = Seq(SiloContainer(deployment), "env").ToDictionary(v => Str(v, "name")!, v => v);
            Assert.Equal(Str(env["PRECISION_Silo__ServiceId"], "value"), labels["orleans/serviceId"]);
            Assert.Equal(Str(env["PRECISION_Silo__ClusterId"], "value"), labels["orleans/clusterId"]);
            Assert.Equal("metadata.name", Str(env["POD_NAME"], "valueFrom", "fieldRef", "fieldPath"));
            Assert.Equal("metadata.namespace", Str(env["POD_NAMESPACE"], "valueFrom", "fieldRef", "fieldPath"));
            Assert.Equal("status.podIP", Str(env["POD_IP"], "valueFrom", "fieldRef", "fieldPath"));
            string account = Str(deployment, "spec", "template", "spec", "serviceAccountName")!;
            K8s.Named("ServiceAccount", account);
            Assert.Equal("1", Str(SiloContainer(deployment), "resources", "requests", "nvidia.com/gpu"));
            Assert.True(K8s.OfKind("PodDisruptionBudget").Any(p => Map(p, "spec", "selector", "matchLabels").All(kv => labels.GetValueOrDefault(kv.Key) == kv.Value)),
                $"{name}: no PodDisruptionBudget selects it");
        }
        var role = K8s.Named("Role", "precision-silo");
        var rule = Seq(role, "rules").Single();
        Assert.Contains("pods", ((YamlSequenceNode)Get(rule, "resources")!).Children.Select(c => c.ToString()));
        Assert.Equal(["delete", "get", "list", "patch", "watch"], ((YamlSequenceNode)Get(rule, "verbs")!).Children.Select(c => c.ToString()).Order());
        var binding = K8s.Named("RoleBinding", "precision-silo");
        Assert.Equal("precision-silo", Str(binding, "roleRef", "name"));
        Assert.Equal("precision-silo", Str(Seq(binding, "subjects").Single(), "name"));
        var hpa = K8s.Named("HorizontalPodAutoscaler", "precision-rollout");
        K8s.Named("Deployment", Str(hpa, "spec", "scaleTargetRef", "name")!);
    }

    [Fact]
    public void Redis_keeps_an_append_only_file_on_a_volume_and_requires_the_password()
    {
        var redis = K8s.Named("StatefulSet", "precision-redis");
        var container = Seq(redis, "spec", "template", "spec", "containers").Single();
        var args = ((YamlSequenceNode)Get(container, "args")!).Children.Select(c => c.ToString()).ToList();
        Assert.Equal("yes", args[args.IndexOf("--appendonly") + 1]);
        Assert.Equal("$(REDIS_PASSWORD)", args[args.IndexOf("--requirepass") + 1]);
        Assert.Equal("/data", Str(Seq(container, "volumeMounts").Single(), "mountPath"));
        Assert.NotEmpty(Seq(redis, "spec", "volumeClaimTemplates"));
        // The silos reach it by its Service name and port.
        var service = K8s.Named("Service", "precision-redis");
        Assert.Equal("6379", Str(Seq(service, "spec", "ports").Single(), "port"));
        Assert.All(SiloDeployments, d => Assert.StartsWith("precision-redis:6379,", Str(Seq(SiloContainer(d), "env").Single(v => Str(v, "name") == "PRECISION_Silo__Redis"), "value"), StringComparison.Ordinal));
    }

    [Fact]
    public void Every_referenced_secret_key_and_claim_exists()
    {
        var secrets = K8s.OfKind("Secret").ToDictionary(s => Str(s, "metadata", "name")!,
            s => Map(s, "stringData").Concat(Map(s, "data")).ToDictionary(kv => kv.Key, kv => kv.Value));
        foreach (var (file, doc) in K8s.Documents)
            foreach (var reference in Descendants(doc).Where(n => n.Children.ContainsKey(new YamlScalarNode("secretKeyRef"))))
            {
                string secret = Str(reference, "secretKeyRef", "name")!, key = Str(reference, "secretKeyRef", "key")!;
                Assert.True(secrets.TryGetValue(secret, out var data) && data.ContainsKey(key), $"{file}: secret {secret}/{key} is not defined");
            }
        foreach (var deployment in SiloDeployments)
            foreach (var volume in Seq(deployment, "spec", "template", "spec", "volumes"))
            {
                if (Str(volume, "persistentVolumeClaim", "claimName") is { } claim) K8s.Named("PersistentVolumeClaim", claim);
                if (Str(volume, "secret", "secretName") is { } secret)
                    foreach (var item in Seq(volume, "secret", "items"))
                        Assert.True(secrets.TryGetValue(secret, out var data) && data.ContainsKey(Str(item, "key")!), $"volume secret {secret}/{Str(item, "key")} is not defined");
            }
    }

    private static string StandInCertificate(string password)
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=stand-in", key,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        string path = Path.Combine(Path.GetTempPath(), $"precision-stand-in-{Guid.NewGuid():N}.pfx");
        File.WriteAllBytes(path, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, password));
        return path;
    }

    private static IEnumerable<YamlMappingNode> Descendants(YamlNode node)
    {
        if (node is YamlMappingNode map)
        {
            yield return map;
            foreach (var child in map.Children.Values.SelectMany(Descendants)) yield return child;
        }
        else if (node is YamlSequenceNode seq)
            foreach (var child in seq.Children.SelectMany(Descendants)) yield return child;
    }
}

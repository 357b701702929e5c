using System.Reflection;
using System.Text.RegularExpressions;
using Precision.Orleans.Grains;
using Precision.Orleans.Runtime.Placement;
using Precision.Orleans.Runtime.Transport.Http2;
using Precision.Orleans.SiloHost;
using YamlDotNet.RepresentationModel;
using Xunit;
using static Precision.Orleans.Client.Tests.Deploy.Manifests;

namespace Precision.Orleans.Client.Tests.Deploy;

/// <summary>
/// deploy/k8s parses and agrees with the code: the silo containers' environment is what <see cref="SiloHostOptions"/>
/// reads (parsed by it, ports and roles included), probes hit /readyz and /healthz on the grain port with the token,
/// every referenced Secret key, claim, Deployment and label selector exists, and the Dockerfile exposes the same ports.
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
        Assert.True(K8s.Documents.Count >= 12, $"only {K8s.Documents.Count} documents");
        foreach (var (file, doc) in K8s.Documents)
        {
            Assert.False(string.IsNullOrEmpty(Str(doc, "apiVersion")), $"{file}: apiVersion");
            Assert.False(string.IsNullOrEmpty(Str(doc, "metadata", "name")), $"{file}: metadata.name");
            if (Str(doc, "kind") != "Namespace")
            {
                Assert.Equal("precision", Str(doc, "metadata", "namespace"));
            }
        }
        foreach (var kind in new[] { "StatefulSet", "Service", "Secret", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "PersistentVolumeClaim" })
        {
            Assert.NotEmpty(K8s.OfKind(kind));
        }
    }

    [Fact]
    public void Silo_environment_is_what_the_silo_host_parses()
    {
        Assert.Equal(["precision-learner", "precision-rollout"], SiloDeployments.Select(d => Str(d, "metadata", "name")).Order());
        foreach (var deployment in SiloDeployments)
        {
            var container = SiloContainer(deployment);
            var env = new Dictionary<string, string>();
            foreach (var variable in Seq(container, "env"))
            {
                var name = Str(variable, "name")!;
                Assert.StartsWith("PRECISION_", name, StringComparison.Ordinal);
                // Each name must be an option the host knows (it refuses unknown --options by name).
                var option = "--" + name["PRECISION_".Length..].ToLowerInvariant().Replace('_', '-');
                var value = Str(variable, "value")
                    ?? (Get(variable, "valueFrom", "secretKeyRef") is not null ? SecretValue(variable) : FieldValue(variable));
                var parsedAlone = Record.Exception(() => SiloHostOptions.Parse([option, value, "--postgres", "x", "--cluster-token", new string('t', 32)], _ => null));
                Assert.True(parsedAlone is null, $"{Str(deployment, "metadata", "name")}: {name} → {option}: {parsedAlone?.Message}");
                env[name] = value;
            }

            var options = SiloHostOptions.Parse([], name => env.GetValueOrDefault(name));
            var ports = Seq(container, "ports").ToDictionary(p => Str(p, "name")!, p => int.Parse(Str(p, "containerPort")!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(ports["grain"], options.Port);
            Assert.Equal(ports["dashboard"], options.DashboardPort);
            Assert.Equal("precision", options.ClusterId);
            var mounts = Seq(container, "volumeMounts").ToDictionary(m => Str(m, "name")!, m => Str(m, "mountPath"));
            Assert.Equal(mounts["runs"], options.RunsRoot);
            Assert.Equal("1", Str(container, "resources", "limits", "nvidia.com/gpu"));
        }
    }

    [Fact]
    public void Roles_match_the_grains_placement()
    {
        var learnerRole = typeof(LearnerGrain).GetCustomAttribute<PlacementRoleAttribute>()!.Role;
        var learner = SiloHostOptions.Parse([], n => Env(K8s.Named("Deployment", "precision-learner"), n));
        Assert.Contains(learnerRole, learner.Roles);
        Assert.Equal("1", Str(K8s.Named("Deployment", "precision-learner"), "spec", "replicas"));
        Assert.Equal("Recreate", Str(K8s.Named("Deployment", "precision-learner"), "spec", "strategy", "type"));
        var rollout = SiloHostOptions.Parse([], n => Env(K8s.Named("Deployment", "precision-rollout"), n));
        Assert.DoesNotContain(learnerRole, rollout.Roles);
        Assert.Contains("rollout", rollout.Roles);
        Assert.Contains("gpu", rollout.Roles);
        // The learner silo hosts no rollout workers; each rollout silo one per GPU.
        Assert.Equal((0, 1), (learner.RolloutSlots, rollout.RolloutSlots));
    }

    [Fact]
    public void Probes_hit_readyz_and_healthz_on_the_grain_port_with_the_token()
    {
        foreach (var deployment in SiloDeployments)
        {
            var container = SiloContainer(deployment);
            foreach (var (probe, path) in new[] { ("readinessProbe", GrainCallEndpoints.ReadyPath), ("livenessProbe", GrainCallEndpoints.HealthPath) })
            {
                var command = string.Join(" ", ((YamlSequenceNode)Get(container, probe, "exec", "command")!).Children.Select(c => ((YamlScalarNode)c).Value));
                Assert.Matches(new Regex($@"--http2-prior-knowledge .*Authorization: Bearer \$PRECISION_CLUSTER_TOKEN.* http://127\.0\.0\.1:\$PRECISION_PORT{Regex.Escape(path)}$"), command);
            }
        }
    }

    [Fact]
    public void References_resolve_secrets_claims_selectors_and_targets()
    {
        var secrets = K8s.OfKind("Secret").ToDictionary(s => Str(s, "metadata", "name")!, s => Map(s, "stringData"));
        var claims = K8s.OfKind("PersistentVolumeClaim").Select(c => Str(c, "metadata", "name")).ToHashSet();
        var workloads = K8s.OfKind("Deployment").Concat(K8s.OfKind("StatefulSet")).ToList();

        foreach (var workload in workloads)
        {
            var name = Str(workload, "metadata", "name");
            var labels = Map(workload, "spec", "template", "metadata", "labels");
            Assert.All(Map(workload, "spec", "selector", "matchLabels"), l => Assert.Equal(l.Value, labels.GetValueOrDefault(l.Key)));
            foreach (var container in Seq(workload, "spec", "template", "spec", "containers"))
            {
                foreach (var variable in Seq(container, "env").Where(v => Get(v, "valueFrom", "secretKeyRef") is not null))
                {
                    var secret = Str(variable, "valueFrom", "secretKeyRef", "name")!;
                    var key = Str(variable, "valueFrom", "secretKeyRef", "key")!;
                    Assert.True(secrets.TryGetValue(secret, out var data) && data.ContainsKey(key), $"{name}: secret {secret}/{key} is not defined");
                }
            }
            foreach (var volume in Seq(workload, "spec", "template", "spec", "volumes"))
            {
                Assert.Contains(Str(volume, "persistentVolumeClaim", "claimName"), claims);
            }
        }

        foreach (var service in K8s.OfKind("Service"))
        {
            var selector = Map(service, "spec", "selector");
            var selected = workloads.Where(w => selector.All(s => Map(w, "spec", "template", "metadata", "labels").GetValueOrDefault(s.Key) == s.Value)).ToList();
            Assert.NotEmpty(selected);
            foreach (var port in Seq(service, "spec", "ports"))
            {
                var target = Str(port, "targetPort");
                Assert.All(selected, w => Assert.Contains(target, Seq(w, "spec", "template", "spec", "containers").SelectMany(c => Seq(c, "ports")).Select(p => Str(p, "name"))));
            }
        }

        foreach (var hpa in K8s.OfKind("HorizontalPodAutoscaler"))
        {
            K8s.Named(Str(hpa, "spec", "scaleTargetRef", "kind")!, Str(hpa, "spec", "scaleTargetRef", "name")!);
        }
        foreach (var pdb in K8s.OfKind("PodDisruptionBudget"))
        {
            var selector = Map(pdb, "spec", "selector", "matchLabels");
            Assert.Single(workloads, w => selector.All(s => Map(w, "spec", "template", "metadata", "labels").GetValueOrDefault(s.Key) == s.Value));
        }

        // The silos' connection string names the PostgreSQL Service.
        var postgres = K8s.Named("Service", "precision-postgres");
        Assert.Contains($"Host={Str(postgres, "metadata", "name")};", secrets["precision-postgres"]["connection-string"], StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfile_publishes_the_silo_and_exposes_the_manifest_ports()
    {
        var dockerfile = File.ReadAllText(Path.Combine(K8s.Root, "deploy", "silo.Dockerfile"));
        var project = Regex.Match(dockerfile, @"dotnet publish (\S+\.csproj)").Groups[1].Value;
        Assert.True(File.Exists(Path.Combine(K8s.Root, project)), project);
        Assert.Contains("--self-contained true", dockerfile, StringComparison.Ordinal);
        Assert.Contains($"ENTRYPOINT [\"/app/{typeof(SiloHostOptions).Assembly.GetName().Name}\"]", dockerfile, StringComparison.Ordinal);
        var container = SiloContainer(K8s.Named("Deployment", "precision-learner"));
        var ports = Seq(container, "ports").Select(p => Str(p, "containerPort")).ToList();
        Assert.Equal(ports, Regex.Match(dockerfile, @"EXPOSE ([\d ]+)").Groups[1].Value.Trim().Split(' '));
    }

    private static string? Env(YamlMappingNode deployment, string name) =>
        Seq(SiloContainer(deployment), "env").Where(v => Str(v, "name") == name).Select(v => Str(v, "value") ?? SecretValue(v)).FirstOrDefault();

    /// <summary>A stand-in for a value the cluster fills in from a Secret (long enough for a token).</summary>
    private static string SecretValue(YamlMappingNode variable) => "secret-from-" + Str(variable, "valueFrom", "secretKeyRef", "name") + "-0123456789";

    private static string FieldValue(YamlMappingNode variable) => Str(variable, "valueFrom", "fieldRef", "fieldPath") switch
    {
        "status.podIP" => "10.1.2.3",
        "metadata.name" => "precision-rollout-abc12",
        var other => throw new InvalidOperationException($"env {Str(variable, "name")}: unexpected valueFrom {other}"),
    };
}

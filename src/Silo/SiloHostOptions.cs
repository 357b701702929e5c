using System.Globalization;
using Precision.Orleans.Runtime.Placement;

namespace Precision.Orleans.SiloHost;

/// <summary>
/// Everything the silo host reads from its command line (--name value) or, when absent, the environment
/// (PRECISION_NAME, upper case, dashes as underscores). Only the PostgreSQL connection string and the cluster token
/// are required.
/// </summary>
public sealed record SiloHostOptions
{
    /// <summary>--postgres / PRECISION_POSTGRES: Npgsql connection string of the cluster database. Required.</summary>
    public required string Postgres { get; init; }

    /// <summary>--cluster-token / PRECISION_CLUSTER_TOKEN: shared secret of the cluster (≥ 16 chars). Required.</summary>
    public required string ClusterToken { get; init; }

    /// <summary>--cluster-id: clusters sharing one database are told apart by it. Default "precision".</summary>
    public string ClusterId { get; init; } = "precision";

    /// <summary>--silo-id: stable name of this silo. Default: the host name.</summary>
    public string SiloId { get; init; } = Environment.MachineName;

    /// <summary>--roles: comma-separated placement roles (e.g. "gpu,learner"). Default none.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>--listen: address Kestrel binds. Default 0.0.0.0 (all interfaces).</summary>
    public string Listen { get; init; } = "0.0.0.0";

    /// <summary>--port: HTTP/2 port; 0 picks a free one (printed at start). Default 11111, Orleans' silo port.</summary>
    public int Port { get; init; } = 11111;

    /// <summary>
    /// --dashboard-port: an extra plain HTTP/1.1 port serving the same endpoints for browsers (the dashboard); 0 picks
    /// a free one. Default none: the HTTP/2 port alone (browsers cannot speak cleartext HTTP/2).
    /// </summary>
    public int? DashboardPort { get; init; }

    /// <summary>
    /// --advertise: host name or IP peers use to reach this silo. Default 127.0.0.1, right for one machine;
    /// set it on a real network.
    /// </summary>
    public string Advertise { get; init; } = "127.0.0.1";

    /// <summary>--heartbeat-ms: membership heartbeat period. Default 2000 (the runtime's default).</summary>
    public TimeSpan HeartbeatPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>--missed-heartbeats: heartbeats missed before a silo is suspected (then probed). Default 3.</summary>
    public int MissedHeartbeats { get; init; } = 3;

    /// <summary>--placement: random | least-loaded. Default random (Orleans' default).</summary>
    public PlacementStrategy Placement { get; init; } = PlacementStrategy.Random;

    /// <summary>--grain-assembly: path of an assembly whose grain classes this silo hosts; repeatable.</summary>
    public IReadOnlyList<string> GrainAssemblies { get; init; } = [];

    /// <summary>RL runs: directory of run directories (checkpoints), shared by the silos of a cluster. Default "runs".</summary>
    public string RunsRoot { get; init; } = "runs";

    /// <summary>RL runs: rollout worker slots this silo hosts (one per accelerator or CPU slot). Default 0.</summary>
    public int RolloutSlots { get; init; }

    private static readonly string[] Known =
    [
        "postgres", "cluster-token", "cluster-id", "silo-id", "roles", "listen", "port", "advertise", "heartbeat-ms",
        "missed-heartbeats", "placement", "grain-assembly", "runs-root", "rollout-slots", "dashboard-port",
    ];

    /// <summary>Parses <paramref name="args"/>, falling back to <paramref name="environment"/>.</summary>
    /// <exception cref="ArgumentException">An unknown option, a missing required one or a bad value (named).</exception>
    public static SiloHostOptions Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{arg}': options are --name value.");
            }

            var name = arg[2..];
            string value;
            if (name.IndexOf('=') is var eq and >= 0)
            {
                (name, value) = (name[..eq], name[(eq + 1)..]);
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                throw new ArgumentException($"Option --{name} needs a value.");
            }

            if (!Known.Contains(name))
            {
                throw new ArgumentException($"Unknown option --{name}. Known: {string.Join(", ", Known.Select(k => "--" + k))}.");
            }

            (values.TryGetValue(name, out var list) ? list : values[name] = []).Add(value);
        }

        string? Get(string name) =>
            values.TryGetValue(name, out var list) ? list[^1]
            : environment("PRECISION_" + name.Replace('-', '_').ToUpperInvariant()) is { Length: > 0 } env ? env
            : null;

        string Required(string name) => Get(name) ?? throw new ArgumentException(
            $"Missing --{name} (or PRECISION_{name.Replace('-', '_').ToUpperInvariant()}).");

        int Int(string name, int fallback, int min, int max)
        {
            var text = Get(name);
            if (text is null)
            {
                return fallback;
            }

            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
                ? v
                : throw new ArgumentException($"--{name} must be an integer in [{min}, {max}], got '{text}'.");
        }

        var defaults = new SiloHostOptions { Postgres = "", ClusterToken = "" };
        var token = Required("cluster-token");
        if (token.Length < Runtime.Transport.Http2.ClusterToken.MinimumLength)
        {
            throw new ArgumentException($"--cluster-token must be at least {Runtime.Transport.Http2.ClusterToken.MinimumLength} characters.");
        }

        return new SiloHostOptions
        {
            Postgres = Required("postgres"),
            ClusterToken = token,
            ClusterId = Get("cluster-id") ?? defaults.ClusterId,
            SiloId = Get("silo-id") ?? defaults.SiloId,
            Roles = Get("roles") is { } roles
                ? roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : defaults.Roles,
            Listen = Get("listen") ?? defaults.Listen,
            Port = Int("port", defaults.Port, 0, 65535),
            Advertise = Get("advertise") ?? defaults.Advertise,
            DashboardPort = Get("dashboard-port") is null ? defaults.DashboardPort : Int("dashboard-port", 0, 0, 65535),
            HeartbeatPeriod = TimeSpan.FromMilliseconds(Int("heartbeat-ms", (int)defaults.HeartbeatPeriod.TotalMilliseconds, 10, 600_000)),
            MissedHeartbeats = Int("missed-heartbeats", defaults.MissedHeartbeats, 1, 100),
            Placement = Get("placement") switch
            {
                null => defaults.Placement,
                "random" => PlacementStrategy.Random,
                "least-loaded" => PlacementStrategy.LeastLoaded,
                var other => throw new ArgumentException($"--placement must be random or least-loaded, got '{other}'."),
            },
            GrainAssemblies = values.TryGetValue("grain-assembly", out var assemblies) ? assemblies
                : Get("grain-assembly") is { } single ? [single]
                : defaults.GrainAssemblies,
            RunsRoot = Get("runs-root") ?? defaults.RunsRoot,
            RolloutSlots = Int("rollout-slots", defaults.RolloutSlots, 0, 64),
        };
    }
}

namespace Precision.Orleans.SiloHost;

/// <summary>
/// The silo host's options, section <see cref="Section"/> of the configuration: an optional settings file
/// (<c>--settings FILE</c>, JSON), environment variables (<c>PRECISION_Silo__Redis</c>, …) and the command line
/// (<c>--Silo:Redis host:6379,password=…</c>), later sources winning. Checked by <see cref="SiloHostOptionsValidator"/>
/// before the silo starts.
/// </summary>
public sealed class SiloHostOptions
{
    public const string Section = "Silo";

    /// <summary>StackExchange.Redis configuration of the cluster's Redis (membership and grain state), with its password. Required.</summary>
    public string Redis { get; set; } = "";

    /// <summary>Orleans cluster id: silos and clients of one deployment share it. Default "precision".</summary>
    public string ClusterId { get; set; } = "precision";

    /// <summary>Orleans service id: stays the same across deployments (keys the grain state). Default "precision".</summary>
    public string ServiceId { get; set; } = "precision";

    /// <summary>This silo's name; rollout workers are "{Name}/{slot}". Default: the host name.</summary>
    public string Name { get; set; } = Environment.MachineName;

    /// <summary>Comma-separated placement roles: "learner" hosts learners, "rollout" rollout workers. Default none.</summary>
    public string Roles { get; set; } = "";

    /// <summary>Rollout worker slots this silo hosts (one per accelerator or CPU slot). Default 0.</summary>
    public int RolloutSlots { get; set; }

    /// <summary>Silo-to-silo port. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client gateway port. Default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Address peers and clients reach this silo at. Default 127.0.0.1 (one machine); on Kubernetes the pod IP is used.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Port of the web app (Orleans Dashboard at /dashboard, run pages at /runs, runs API at /api/runs); 0 = none. Default 8080.</summary>
    public int WebPort { get; set; } = 8080;

    /// <summary>Password of the web app (at least <see cref="SiloHostOptionsValidator.MinimumPasswordLength"/> characters); required when <see cref="WebPort"/> is set.</summary>
    public string WebPassword { get; set; } = "";

    /// <summary>Directory of run directories (checkpoints, metrics), shared by the silos of a cluster. Default "runs".</summary>
    public string RunsRoot { get; set; } = "runs";

    /// <summary>Relative paths in submitted specs resolve against this directory. Default: the current directory.</summary>
    public string SpecBaseDirectory { get; set; } = "";

    /// <summary>The cluster certificate (PKCS#12 .pfx with its key): when set, every silo and client connection is mutual TLS
    /// pinned to it, and a silo or client without it is refused. Default none (plain TCP).</summary>
    public string CertificatePath { get; set; } = "";

    /// <summary>Password of <see cref="CertificatePath"/>. Default none.</summary>
    public string CertificatePassword { get; set; } = "";

    /// <summary>Seconds a grain call may take before it fails (calls to a silo declared dead fail at once). Default 30.</summary>
    public int ResponseTimeoutSeconds { get; set; } = 30;
}

using Precision.Orleans.Runtime.Placement;
using Precision.Orleans.SiloHost;
using Xunit;

namespace Precision.Orleans.Runtime.Tests.SiloHosting;

public sealed class SiloHostOptionsTests
{
    private static readonly Dictionary<string, string> NoEnvironment = [];

    private static SiloHostOptions Parse(string[] args, Dictionary<string, string>? environment = null) =>
        SiloHostOptions.Parse(args, name => (environment ?? NoEnvironment).GetValueOrDefault(name));

    [Fact]
    public void Arguments_override_the_environment_and_unset_options_keep_documented_defaults()
    {
        var environment = new Dictionary<string, string>
        {
            ["PRECISION_POSTGRES"] = "Host=db",
            ["PRECISION_CLUSTER_TOKEN"] = "env-token-0123456789",
            ["PRECISION_ROLES"] = "cpu",
        };

        var options = Parse(["--roles", "gpu, learner", "--port=0", "--placement", "least-loaded", "--heartbeat-ms", "500"], environment);

        Assert.Equal("Host=db", options.Postgres);
        Assert.Equal("env-token-0123456789", options.ClusterToken);
        Assert.Equal(["gpu", "learner"], options.Roles);
        Assert.Equal(0, options.Port);
        Assert.Equal(PlacementStrategy.LeastLoaded, options.Placement);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.HeartbeatPeriod);
        Assert.Equal("precision", options.ClusterId);
        Assert.Equal(3, options.MissedHeartbeats);
        Assert.Equal("127.0.0.1", options.Advertise);
    }

    [Theory]
    [InlineData(new[] { "--cluster-token", "0123456789abcdef" }, "--postgres")]
    [InlineData(new[] { "--postgres", "Host=db" }, "--cluster-token")]
    [InlineData(new[] { "--postgres", "Host=db", "--cluster-token", "short" }, "at least 16")]
    [InlineData(new[] { "--postgres", "Host=db", "--cluster-token", "0123456789abcdef", "--port", "70000" }, "--port")]
    [InlineData(new[] { "--postgres", "Host=db", "--cluster-token", "0123456789abcdef", "--placement", "nearest" }, "--placement")]
    [InlineData(new[] { "--postgres", "Host=db", "--cluster-token", "0123456789abcdef", "--colour", "red" }, "Unknown option --colour")]
    [InlineData(new[] { "--postgres" }, "needs a value")]
    [InlineData(new[] { "postgres" }, "Unexpected argument")]
    public void Bad_input_is_refused_naming_the_option(string[] args, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => Parse(args));
        Assert.Contains(expected, error.Message);
    }
}

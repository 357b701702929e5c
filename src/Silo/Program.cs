using Precision.Orleans.Grains;
using Precision.Orleans.Runtime.Storage;
using Precision.Orleans.SiloHost;

// The silo host: `dotnet Precision.Orleans.Silo.dll --postgres "Host=…" --cluster-token … [--roles gpu] [--port 11111]
// [--rollout-slots 1] [--runs-root runs]`.
SiloHostOptions options;
try
{
    options = SiloHostOptions.Parse(args, Environment.GetEnvironmentVariable);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"precision silo: {e.Message}");
    return 2;
}

// The RL grains run on every silo; their durable state lives in the cluster's PostgreSQL next to membership.
await using var storage = await PostgresGrainStorage.ConnectAsync(options.Postgres, options.ClusterId);
var rl = new RlGrainOptions { RunsRoot = Path.GetFullPath(options.RunsRoot), RolloutSlots = options.RolloutSlots };
return await SiloServer.RunAsync(options, builder => builder.AddRlGrains(rl, storage));

using Precision.Orleans.SiloHost;

// The silo host: `dotnet Precision.Orleans.Silo.dll --postgres "Host=…" --cluster-token … [--roles gpu] [--port 11111]`.
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

return await SiloServer.RunAsync(options);

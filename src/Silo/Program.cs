using Precision.Orleans.SiloHost;

// The silo host. Options: section "Silo" of --settings FILE, PRECISION_Silo__* environment variables and --Silo:* arguments, e.g.
//   Precision.Orleans.Silo --Silo:Redis "127.0.0.1:6379,password=…" --Silo:Name learner --Silo:Roles learner --Silo:WebPassword …
var configuration = SiloHostBuilder.Configuration(args);
var options = SiloHostBuilder.Bind(configuration, out var failures);
if (failures.Count > 0)
{
    foreach (var failure in failures) Console.Error.WriteLine($"precision silo: {failure}");
    return 2;
}
var app = SiloHostBuilder.Build(options, configuration);
try
{
    await app.StartAsync();
}
catch (Exception e)
{
    Console.Error.WriteLine($"precision silo: cannot start silo '{options.Name}' (Redis {SiloHostOptionsValidator.Redacted(options.Redis)}): {e.GetBaseException().Message}");
    return 1;
}
Console.WriteLine($"precision silo {options.Name} active: roles [{options.Roles}], rollout slots {options.RolloutSlots}, silo port {options.SiloPort}, " +
    $"gateway port {options.GatewayPort}" + (options.WebPort > 0 ? $", web http://{options.AdvertisedAddress}:{options.WebPort}/runs (dashboard /dashboard)" : ""));
await app.WaitForShutdownAsync();
return 0;

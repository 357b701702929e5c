using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Precision.Orleans.SiloHost;

/// <summary>Refuses options a silo cannot run with, each failure naming the option and what to give.</summary>
public sealed class SiloHostOptionsValidator : IValidateOptions<SiloHostOptions>
{
    public const int MinimumPasswordLength = 16;

    public ValidateOptionsResult Validate(string? name, SiloHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        string at = SiloHostOptions.Section + ":";
        if (string.IsNullOrWhiteSpace(options.Redis))
            failures.Add($"{at}Redis is required: the cluster's Redis, e.g. 127.0.0.1:6379,password=… (PRECISION_Silo__Redis).");
        else
        {
            try
            {
                var redis = ConfigurationOptions.Parse(options.Redis);
                if (redis.EndPoints.Count == 0) failures.Add($"{at}Redis '{Redacted(options.Redis)}' names no host:port.");
                if (string.IsNullOrEmpty(redis.Password))
                    failures.Add($"{at}Redis has no password: whoever can write to Redis can rewrite the membership, so the silo requires one (…,password=…).");
            }
            catch (ArgumentException e)
            {
                failures.Add($"{at}Redis is not a Redis configuration: {e.Message}");
            }
        }
        if (string.IsNullOrWhiteSpace(options.ClusterId)) failures.Add($"{at}ClusterId must not be empty.");
        if (string.IsNullOrWhiteSpace(options.ServiceId)) failures.Add($"{at}ServiceId must not be empty.");
        if (string.IsNullOrWhiteSpace(options.Name) || options.Name.Contains('/'))
            failures.Add($"{at}Name '{options.Name}' must be non-empty and without '/' (rollout workers are Name/slot).");
        if (options.RolloutSlots is < 0 or > 64) failures.Add($"{at}RolloutSlots must be 0–64, got {options.RolloutSlots}.");
        foreach (var (key, port) in new[] { ("SiloPort", options.SiloPort), ("GatewayPort", options.GatewayPort) })
            if (port is < 1 or > 65535) failures.Add($"{at}{key} must be 1–65535, got {port}.");
        if (options.WebPort is < 0 or > 65535) failures.Add($"{at}WebPort must be 0 (none) or 1–65535, got {options.WebPort}.");
        if (options.WebPort > 0 && options.WebPassword.Length < MinimumPasswordLength)
            failures.Add($"{at}WebPassword must be at least {MinimumPasswordLength} characters when WebPort is set (got {options.WebPassword.Length}).");
        if (!System.Net.IPAddress.TryParse(options.AdvertisedAddress, out _))
            failures.Add($"{at}AdvertisedAddress '{options.AdvertisedAddress}' is not an IP address.");
        if (options.ResponseTimeoutSeconds is < 1 or > 3600) failures.Add($"{at}ResponseTimeoutSeconds must be 1–3600, got {options.ResponseTimeoutSeconds}.");
        if (options.CertificatePath.Length > 0)
        {
            try
            {
                using var certificate = Grains.ClusterCertificate.Load(options.CertificatePath, options.CertificatePassword);
            }
            catch (InvalidDataException e)
            {
                failures.Add($"{at}CertificatePath: {e.Message}.");
            }
        }
        var unknownRoles = Roles(options).Where(r => !Grains.Placement.SiloRoles.IsKnown(r)).ToList();
        if (unknownRoles.Count > 0) failures.Add($"{at}Roles: unknown role(s) {string.Join(", ", unknownRoles)}; known: learner, rollout.");
        if (options.RolloutSlots > 0 && !Roles(options).Contains(Grains.Placement.SiloRoles.Rollout))
            failures.Add($"{at}RolloutSlots is {options.RolloutSlots} but Roles has no 'rollout'.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static string[] Roles(SiloHostOptions options) => Grains.Placement.SiloRoles.Parse(options.Roles.ToLowerInvariant());

    /// <summary>The configuration without its password, for messages.</summary>
    public static string Redacted(string redis) =>
        string.Join(",", redis.Split(',').Select(p => p.TrimStart().StartsWith("password=", StringComparison.OrdinalIgnoreCase) ? "password=***" : p));
}

using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Precision.Orleans.Grains;

/// <summary>Refuses RL grain options a silo cannot run with, each failure naming the option and the value given.</summary>
public sealed class RlGrainOptionsValidator : IValidateOptions<RlGrainOptions>
{
    /// <summary>
    /// The largest weight chunk: a quarter of Orleans' default message-body limit, since an over-size message drops
    /// the connection and hangs the call instead of failing.
    /// </summary>
    public static readonly int MaxWeightChunkBytes = new SiloMessagingOptions().MaxMessageBodySize / 4;

    public const int MaxRolloutSlots = 64;

    public const int MaxShardedRunRestarts = 100;

    /// <summary>The longest wait before a sharded run's restart: longer only delays a run the membership has long since repaired.</summary>
    public static readonly TimeSpan MaxShardedRunRestartDelay = TimeSpan.FromMinutes(5);

    public ValidateOptionsResult Validate(string? name, RlGrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string at = nameof(RlGrainOptions) + ".";
        if (string.IsNullOrWhiteSpace(options.RunsRoot)) failures.Add($"{at}RunsRoot must name a directory, got '{options.RunsRoot}'.");
        if (string.IsNullOrWhiteSpace(options.SpecBaseDirectory)) failures.Add($"{at}SpecBaseDirectory must name a directory, got '{options.SpecBaseDirectory}'.");
        if (options.RolloutSlots is < 0 or > MaxRolloutSlots) failures.Add($"{at}RolloutSlots must be 0–{MaxRolloutSlots}, got {options.RolloutSlots}.");
        var unknownRoles = options.Roles.Where(r => !Placement.SiloRoles.IsKnown(r)).ToList();
        if (unknownRoles.Count > 0) failures.Add($"{at}Roles: unknown role(s) {string.Join(", ", unknownRoles)}; known: learner, rollout.");
        Positive(failures, $"{at}WorkerWaitTimeout", options.WorkerWaitTimeout);
        Positive(failures, $"{at}WeightWaitTimeout", options.WeightWaitTimeout);
        if (options.RolloutCoalesceWindow < TimeSpan.Zero || options.RolloutCoalesceWindow > TimeSpan.FromSeconds(10))
            failures.Add($"{at}RolloutCoalesceWindow must be 0–10 s, got {options.RolloutCoalesceWindow}.");
        if (options.MaxDispatches is < 1 or > 1000) failures.Add($"{at}MaxDispatches must be 1–1000, got {options.MaxDispatches}.");
        if (options.WeightChunkBytes <= 0 || options.WeightChunkBytes > MaxWeightChunkBytes)
            failures.Add($"{at}WeightChunkBytes must be 1–{MaxWeightChunkBytes} (a quarter of Orleans' MaxMessageBodySize), got {options.WeightChunkBytes}.");
        if (options.ShardedRunRestarts is < 0 or > MaxShardedRunRestarts)
            failures.Add($"{at}ShardedRunRestarts must be 0–{MaxShardedRunRestarts}, got {options.ShardedRunRestarts}.");
        if (options.ShardedRunRestartDelay < TimeSpan.Zero || options.ShardedRunRestartDelay > MaxShardedRunRestartDelay)
            failures.Add($"{at}ShardedRunRestartDelay must be 0–{MaxShardedRunRestartDelay.TotalMinutes:0} min, got {options.ShardedRunRestartDelay}.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every failure when <paramref name="options"/> is invalid.</summary>
    public static RlGrainOptions Check(RlGrainOptions options)
    {
        var result = new RlGrainOptionsValidator().Validate(null, options);
        if (result.Failed) throw new OptionsValidationException(nameof(RlGrainOptions), typeof(RlGrainOptions), result.Failures);
        return options;
    }

    private static void Positive(List<string> failures, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero) failures.Add($"{key} must be > 0, got {value}.");
    }
}

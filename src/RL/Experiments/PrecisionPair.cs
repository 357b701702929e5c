using Precision.Orleans.Abstractions;

namespace Precision.Orleans.RL.Experiments;

/// <summary>A training / rollout dtype pair of the grid, written "train/rollout" (e.g. "bf16/fp32").</summary>
public sealed record PrecisionPair(DType Train, DType Rollout)
{
    /// <summary>"bf16/fp32": the way grids write it.</summary>
    public override string ToString() => $"{Train.Name()}/{Rollout.Name()}";

    /// <summary>"bf16-fp32": the way run names and directories write it.</summary>
    public string Slug => $"{Train.Name()}-{Rollout.Name()}";

    /// <summary>Parses "train/rollout"; the message names what was wrong and what is allowed.</summary>
    public static PrecisionPair Parse(string? text)
    {
        string allowed = string.Join(", ", DTypeNames.Allowed);
        var parts = (text ?? "").Split('/');
        if (parts.Length != 2)
            throw new FormatException($"precision pair '{text}': write it as train/rollout, e.g. \"bf16/fp32\" (dtypes: {allowed})");
        if (!DTypeNames.TryParse(parts[0], out var train))
            throw new FormatException($"precision pair '{text}': unknown training dtype '{parts[0].Trim()}'; allowed: {allowed}");
        if (!DTypeNames.TryParse(parts[1], out var rollout))
            throw new FormatException($"precision pair '{text}': unknown rollout dtype '{parts[1].Trim()}'; allowed: {allowed}");
        return new PrecisionPair(train, rollout);
    }
}

using Precision.Orleans.Abstractions;

namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>How <see cref="HfCheckpoint.Load"/> converts the weights it reads.</summary>
public sealed record HfLoadOptions
{
    public static readonly HfLoadOptions Default = new();

    /// <summary>
    /// The dtype the weights are converted to (round-to-nearest-even), held in the FP32 buffer so the engines cast
    /// them exactly. Fp32 (default) keeps every stored value; Fp16 also builds the FP16 range report and applies
    /// <see cref="Fp16Policy"/>.
    /// </summary>
    public DType TargetDType { get; init; } = DType.Fp32;

    /// <summary>What a value beyond FP16's range does when <see cref="TargetDType"/> is Fp16. Default: refuse.</summary>
    public Fp16RangePolicy Fp16Policy { get; init; } = Fp16RangePolicy.Refuse;

    /// <summary>Bytes of a file mapped at once (the transient resident cost on top of the converted weights). Default 32 MiB.</summary>
    public long MapChunkBytes { get; init; } = 32L << 20;

    /// <summary>Build the FP16 range report even when the target is not Fp16 (inspect does). Default false.</summary>
    public bool MeasureFp16Range { get; init; }
}

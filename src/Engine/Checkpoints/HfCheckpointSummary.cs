using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>Bytes and values a checkpoint stores in one on-disk dtype.</summary>
public sealed record DTypeShare(string DType, long Elements, long Bytes);

/// <summary>One weights file of a checkpoint.</summary>
public sealed record WeightFileInfo(string Name, long FileBytes, int Tensors);

/// <summary>What <c>precision inspect</c> shows: architecture, parameter counts, on-disk dtypes, files, FP16 range.</summary>
public sealed record HfCheckpointSummary(
    string Directory,
    ModelConfig Config,
    string? TorchDType,
    long TotalParameters,
    long ActiveParametersPerToken,
    IReadOnlyList<DTypeShare> DTypes,
    IReadOnlyList<WeightFileInfo> Files,
    bool Sharded,
    bool ChecksumsVerified,
    Fp16RangeReport Fp16Range);

using Precision.Orleans.Abstractions;

namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>The safetensors dtype names we read and write, and their mapping to <see cref="DType"/>.</summary>
public static class SafetensorsDType
{
    public const string F32 = "F32";
    public const string F16 = "F16";
    public const string BF16 = "BF16";

    public static string Name(DType dtype) => dtype switch
    {
        DType.Fp32 => F32,
        DType.Fp16 => F16,
        DType.Bf16 => BF16,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "no safetensors dtype"),
    };

    /// <summary>Maps a header dtype string to a <see cref="DType"/>; false for anything else (I8, F64, ...).</summary>
    public static bool TryParse(string? name, out DType dtype)
    {
        switch (name)
        {
            case F32: dtype = DType.Fp32; return true;
            case F16: dtype = DType.Fp16; return true;
            case BF16: dtype = DType.Bf16; return true;
            default: dtype = DType.Fp32; return false;
        }
    }

    public const string Supported = "F32, F16, BF16";
}

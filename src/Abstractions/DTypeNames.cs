namespace Precision.Orleans.Abstractions;

/// <summary>Parsing and printing of <see cref="DType"/> the way users write it: fp32, bf16, fp16.</summary>
public static class DTypeNames
{
    public static readonly IReadOnlyList<string> Allowed = ["fp32", "bf16", "fp16"];

    public static string Name(this DType dtype) => dtype switch
    {
        DType.Fp32 => "fp32",
        DType.Bf16 => "bf16",
        DType.Fp16 => "fp16",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    public static bool TryParse(string? text, out DType dtype)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "fp32" or "float32" or "f32": dtype = DType.Fp32; return true;
            case "bf16" or "bfloat16": dtype = DType.Bf16; return true;
            case "fp16" or "float16" or "f16" or "half": dtype = DType.Fp16; return true;
            default: dtype = DType.Fp32; return false;
        }
    }

    public static DType Parse(string? text) =>
        TryParse(text, out var d)
            ? d
            : throw new FormatException($"unknown dtype '{text}'; allowed: {string.Join(", ", Allowed)}");

    /// <summary>Parses a comma-separated list such as "fp32,bf16,fp16".</summary>
    public static IReadOnlyList<DType> ParseList(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse).ToArray();
}

using Precision.Orleans.Abstractions;

namespace Precision.Orleans.Bench;

/// <summary>Tiny "--name value" parser: the benchmark takes few options and needs no framework.</summary>
internal sealed class BenchArgs(string[] args)
{
    public string? Get(string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public bool Has(string name) => Array.IndexOf(args, name) >= 0;

    /// <summary>"--dtype fp32,bf16" (default: all three).</summary>
    public IReadOnlyList<DType> DTypes() => Get("--dtype") is { } list ? DTypeNames.ParseList(list) : [DType.Fp32, DType.Bf16, DType.Fp16];

    public int Int(string name, int fallback)
    {
        string? v = Get(name);
        if (v is null) return fallback;
        return int.TryParse(v, out int x) && x > 0 ? x : throw new ArgumentException($"{name} must be a positive integer, got '{v}'");
    }
}

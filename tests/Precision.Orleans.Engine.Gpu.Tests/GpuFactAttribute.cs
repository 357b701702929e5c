using Xunit;

namespace Precision.Orleans.Engine.Gpu.Tests;

/// <summary>A test that needs a real CUDA GPU: skipped, with the reason, unless PRECISION_GPU_TESTS=1 (scripts/gpu-check.sh sets it).</summary>
public sealed class GpuFactAttribute : FactAttribute
{
    public GpuFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("PRECISION_GPU_TESTS") != "1")
            Skip = "needs an NVIDIA GPU with CUDA: run by scripts/gpu-check.sh (PRECISION_GPU_TESTS=1), not in CPU CI";
    }
}

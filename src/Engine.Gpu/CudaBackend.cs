using Precision.Orleans.Engine.Backends;

namespace Precision.Orleans.Engine.Gpu;

/// <summary>Registers the CUDA kernel set with <see cref="KernelSets"/>: one GPU context per process, opened on first use.</summary>
public static class CudaBackend
{
    /// <summary>
    /// PRECISION_GPU_SIMULATOR=1 makes <c>--device cuda</c> open ILGPU's CPU accelerator instead (the same kernels, no
    /// GPU): scripts/gpu-check.sh --dry-run uses it to walk every step a CPU can. Its name says "ilgpu-cpu".
    /// </summary>
    public const string SimulatorVariable = "PRECISION_GPU_SIMULATOR";

    private static readonly Lazy<GpuKernelSet> s_kernels = new(() => new GpuKernelSet(GpuDevice.Open(
        Environment.GetEnvironmentVariable(SimulatorVariable) == "1" ? GpuAcceleratorKind.CpuSimulator : GpuAcceleratorKind.Cuda)));

    /// <summary>Call once at startup; <c>--device cuda</c> then opens the GPU (or fails with one line saying why).</summary>
    public static void Register() => KernelSets.RegisterCuda(() => s_kernels.Value);
}

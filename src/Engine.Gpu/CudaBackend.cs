using Precision.Orleans.Engine.Backends;

namespace Precision.Orleans.Engine.Gpu;

/// <summary>Registers the CUDA kernel set with <see cref="KernelSets"/>: one GPU context per process, opened on first use.</summary>
public static class CudaBackend
{
    private static readonly Lazy<GpuKernelSet> s_kernels = new(() => new GpuKernelSet(GpuDevice.Open(GpuAcceleratorKind.Cuda)));

    /// <summary>Call once at startup; <c>--device cuda</c> then opens the GPU (or fails with one line saying why).</summary>
    public static void Register() => KernelSets.RegisterCuda(() => s_kernels.Value);
}

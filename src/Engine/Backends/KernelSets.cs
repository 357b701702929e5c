namespace Precision.Orleans.Engine.Backends;

/// <summary>
/// Resolves a <see cref="ComputeDevice"/> to its kernel set. The CPU set is built in; the CUDA set lives in
/// Precision.Orleans.Engine.Gpu (which references this assembly, not the other way round) and registers its factory
/// with <see cref="RegisterCuda"/> when a host loads it.
/// </summary>
public static class KernelSets
{
    private static Func<IKernelSet>? s_cudaFactory;

    /// <summary>Installs the factory that opens the CUDA kernel set (called by the GPU assembly's registration).</summary>
    public static void RegisterCuda(Func<IKernelSet> factory) => s_cudaFactory = factory ?? throw new ArgumentNullException(nameof(factory));

    /// <summary>The kernel set for <paramref name="device"/>; a <see cref="ComputeDeviceUnavailableException"/> when it cannot be opened.</summary>
    public static IKernelSet For(ComputeDevice device) => device switch
    {
        ComputeDevice.Cpu => CpuKernelSet.Instance,
        ComputeDevice.Cuda => (s_cudaFactory ?? throw new ComputeDeviceUnavailableException(
            "device cuda: this build has no CUDA backend loaded (Precision.Orleans.Engine.Gpu is not registered)"))(),
        _ => throw new ArgumentOutOfRangeException(nameof(device), device, "unknown device"),
    };
}

using Precision.Orleans.Engine.Gpu;
using Xunit;

namespace Precision.Orleans.Engine.Gpu.Tests;

/// <summary>One ILGPU CPU-accelerator kernel set shared by the tests (compiling the kernels once).</summary>
public sealed class SimulatedDevice : IDisposable
{
    public GpuKernelSet Kernels { get; } = new(GpuDevice.Open(GpuAcceleratorKind.CpuSimulator));

    public void Dispose() => Kernels.Dispose();
}

[CollectionDefinition(Name)]
public sealed class SimulatedDeviceCollection : ICollectionFixture<SimulatedDevice>
{
    public const string Name = "simulated device";
}

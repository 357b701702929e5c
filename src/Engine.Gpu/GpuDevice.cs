using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using Precision.Orleans.Engine.Backends;

namespace Precision.Orleans.Engine.Gpu;

/// <summary>Which ILGPU accelerator runs the kernels: the first CUDA GPU, or ILGPU's CPU accelerator (the CI stand-in).</summary>
public enum GpuAcceleratorKind
{
    Cuda,
    CpuSimulator,
}

/// <summary>
/// An ILGPU context and one accelerator. On CUDA, exp/log/sqrt and the other math functions come from ILGPU.Algorithms'
/// implementations (no CUDA toolkit or libdevice needed on the machine; PtxCompilationTests compile every kernel so).
/// </summary>
public sealed class GpuDevice : IDisposable
{
    private readonly Context _context;

    public Accelerator Accelerator { get; }
    public GpuAcceleratorKind Kind { get; }
    public string Name => Kind == GpuAcceleratorKind.Cuda ? $"cuda:0 {Accelerator.Name}" : "ilgpu-cpu";

    private GpuDevice(Context context, Accelerator accelerator, GpuAcceleratorKind kind)
    {
        _context = context;
        Accelerator = accelerator;
        Kind = kind;
    }

    /// <summary>Opens the accelerator; a <see cref="ComputeDeviceUnavailableException"/> with one line when there is no CUDA GPU.</summary>
    public static GpuDevice Open(GpuAcceleratorKind kind)
    {
        if (kind == GpuAcceleratorKind.CpuSimulator)
        {
            // a small simulated multiprocessor keeps the kernels' thread count, and the tests' time, low
            var cpuContext = Context.Create(b => b.CPU(CPUDevice.Default).Optimize(OptimizationLevel.Debug));
            return new GpuDevice(cpuContext, cpuContext.CreateCPUAccelerator(0), kind);
        }
        Context context;
        try
        {
            context = Context.Create(b => b.Cuda().Optimize(OptimizationLevel.O1).EnableAlgorithms());
        }
        catch (Exception e)
        {
            throw new ComputeDeviceUnavailableException($"device cuda: the CUDA driver could not be initialised ({e.GetType().Name}: {FirstLine(e.Message)})", e);
        }
        var devices = context.GetCudaDevices();
        if (devices.Count == 0)
        {
            context.Dispose();
            throw new ComputeDeviceUnavailableException("device cuda: no CUDA GPU found (no NVIDIA driver or no visible device); use --device cpu");
        }
        return new GpuDevice(context, devices[0].CreateAccelerator(context), kind);
    }

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();

    public void Dispose()
    {
        Accelerator.Dispose();
        _context.Dispose();
    }
}

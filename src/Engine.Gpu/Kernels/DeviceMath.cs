using ILGPU.Runtime.Cuda;

namespace Precision.Orleans.Engine.Gpu.Kernels;

/// <summary>
/// The two multiply-add flavours whose rounding the kernels must control, chosen per accelerator by a type argument
/// (ILGPU specialises a generic kernel per struct): <see cref="Fma"/> rounds once, as the CPU GEMMs' FMA chains;
/// <see cref="MulAdd"/> rounds twice, as the CPU engine's unfused arithmetic.
/// </summary>
public interface IDeviceMath
{
    float Fma(float a, float b, float c);

    float MulAdd(float a, float b, float c);
}

/// <summary>For ILGPU's CPU accelerator, which runs the kernels as .NET code: .NET's FMA and plain C# arithmetic.</summary>
public readonly struct HostMath : IDeviceMath
{
    public float Fma(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);

    public float MulAdd(float a, float b, float c) => a * b + c;
}

/// <summary>
/// For CUDA: inline PTX. <c>fma.rn.f32</c> (ILGPU has no FMA intrinsic: MathF.FusedMultiplyAdd would become an
/// unresolved extern call) and <c>mul.rn</c>/<c>add.rn</c>, which the PTX compiler may not contract into an FMA.
/// </summary>
public readonly struct PtxMath : IDeviceMath
{
    public float Fma(float a, float b, float c)
    {
        CudaAsm.Emit("fma.rn.f32 %0, %1, %2, %3;", out float r, a, b, c);
        return r;
    }

    public float MulAdd(float a, float b, float c)
    {
        CudaAsm.Emit("mul.rn.f32 %0, %1, %2;", out float product, a, b);
        CudaAsm.Emit("add.rn.f32 %0, %1, %2;", out float sum, product, c);
        return sum;
    }
}

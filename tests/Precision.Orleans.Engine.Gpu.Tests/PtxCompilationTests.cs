using System.Reflection;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using Precision.Orleans.Engine.Gpu.Kernels;
using Xunit;

namespace Precision.Orleans.Engine.Gpu.Tests;

/// <summary>
/// Every device kernel compiles to PTX through ILGPU's CUDA backend as the CUDA accelerator will compile it (sm_90 asked
/// for; ILGPU targets the newest architecture its PTX ISA level allows) — no GPU needed — so an operation the CUDA
/// backend cannot express (a math function without an intrinsic, say) is found here, not in the GPU machine's few minutes.
/// </summary>
public sealed class PtxCompilationTests
{
    public static TheoryData<string> Kernels()
    {
        var data = new TheoryData<string>();
        foreach (var m in KernelMethods()) data.Add($"{m.DeclaringType!.Name}.{m.Name}");
        return data;
    }

    private static IEnumerable<MethodInfo> KernelMethods() =>
        typeof(GemmKernel).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(GemmKernel).Namespace && t.IsAbstract && t.IsSealed)
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
            .Where(m => m.GetParameters() is { Length: > 0 } p && p[0].ParameterType == typeof(Index1D))
            // generic kernels take the multiply-add flavour: the CUDA accelerator loads them with PtxMath
            .Select(m => m.IsGenericMethodDefinition ? m.MakeGenericMethod(typeof(PtxMath)) : m);

    /// <summary>
    /// The GEMM's order rests on a true fused multiply-add, fp16 rounding on the (|x| + ½) − ½ trick surviving the
    /// optimiser, AdamW's update on separately rounded multiplies and adds (as the CPU computes it).
    /// </summary>
    [Fact]
    public void The_gemm_uses_fused_multiply_add_fp16_rounding_keeps_its_add_and_subtract_and_adamw_stays_unfused()
    {
        string gemm = Ptx(typeof(GemmKernel).GetMethod(nameof(GemmKernel.MatMul))!.MakeGenericMethod(typeof(PtxMath)));
        Assert.Contains("fma.rn.f32", gemm);
        Assert.DoesNotContain(".extern", gemm);
        string round = Ptx(typeof(ElementwiseKernels).GetMethod(nameof(ElementwiseKernels.RoundInPlace))!);
        // 0.5f is 0x3F000000 in PTX's hex float literal
        Assert.Contains("0f3F000000", round);
        Assert.Contains("sub", round);
        string adam = Ptx(typeof(OptimizerKernels).GetMethod(nameof(OptimizerKernels.AdamW))!.MakeGenericMethod(typeof(PtxMath)));
        Assert.Contains("mul.rn.f32", adam);
        Assert.Contains("add.rn.f32", adam);
        Assert.DoesNotContain("fma", adam);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void The_kernel_compiles_to_ptx(string kernel)
    {
        string ptx = Ptx(KernelMethods().Single(m => $"{m.DeclaringType!.Name}.{m.Name}" == kernel));
        Assert.Contains(".target sm_", ptx);
        Assert.Contains(".entry", ptx);
        // an extern function is one the driver cannot link (what MathF.FusedMultiplyAdd becomes in ILGPU's PTX)
        Assert.DoesNotContain(".extern", ptx);
    }

    private static string Ptx(MethodInfo method)
    {
        using var context = Context.Create(b => b.Cuda().Optimize(OptimizationLevel.O1).EnableAlgorithms());
        using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90,
            CudaInstructionSet.ISA_80, nvvmAPI: null);
        var entry = EntryPointDescription.FromImplicitlyGroupedKernel(method);
        var specialization = KernelSpecialization.Empty;
        return ((PTXCompiledKernel)backend.Compile(entry, specialization)).PTXAssembly;
    }
}

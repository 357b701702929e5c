using ILGPU;
using ILGPU.Runtime;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Backends;
using Precision.Orleans.Engine.Gpu.Cublas;
using Xunit;

namespace Precision.Orleans.Engine.Gpu.Tests;

/// <summary>
/// Device selection and cuBLASLt: the errors are checked everywhere; the kernels on a real GPU only where one is
/// (<see cref="GpuFactAttribute"/>; scripts/gpu-check.sh runs them with PRECISION_GPU_TESTS=1).
/// </summary>
[Collection(SimulatedDeviceCollection.Name)]
public sealed class CudaDeviceTests
{
    [Fact]
    public void Cuda_without_a_registered_backend_or_a_gpu_is_a_one_line_error()
    {
        Assert.Equal(ComputeDevice.Cuda, ComputeDeviceNames.Parse(" CUDA "));
        var unknown = Assert.Throws<ArgumentException>(() => ComputeDeviceNames.Parse("tpu"));
        Assert.Equal("unknown device 'tpu': expected cpu or cuda", unknown.Message);
        if (Environment.GetEnvironmentVariable("PRECISION_GPU_TESTS") == "1") return;
        var e = Assert.Throws<ComputeDeviceUnavailableException>(() => GpuDevice.Open(GpuAcceleratorKind.Cuda).Dispose());
        Assert.StartsWith("device cuda:", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_missing_cublaslt_named_by_the_environment_is_a_clear_error()
    {
        string? saved = Environment.GetEnvironmentVariable(CublasLtLibrary.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(CublasLtLibrary.EnvironmentVariable, "/nonexistent/libcublasLt.so.13");
            var e = Assert.Throws<ComputeDeviceUnavailableException>(CublasLtLibrary.Locate);
            Assert.Equal("cuBLASLt: PRECISION_CUBLASLT=/nonexistent/libcublasLt.so.13 does not exist", e.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(CublasLtLibrary.EnvironmentVariable, saved);
        }
        Assert.Contains(CublasLtLibrary.Candidates(), p => p.EndsWith("/usr/local/cuda/lib64/libcublasLt.so.13", StringComparison.Ordinal));
    }

    [GpuFact]
    public void Cuda_kernel_set_runs_the_gemm_like_the_cpu_engine()
    {
        using var gpu = new GpuKernelSet(GpuDevice.Open(GpuAcceleratorKind.Cuda));
        const int m = 33, n = 47, k = 65;
        foreach (var dtype in new[] { DType.Fp32, DType.Bf16, DType.Fp16 })
        {
            var a = Compare.Random(m * k, 1, 1f, dtype);
            var b = Compare.Random(n * k, 2, 1f, dtype);
            var (c, g) = (new float[m * n], new float[m * n]);
            CpuKernelSet.Instance.MatMul(false, true, m, n, k, a, k, b, k, c, n, dtype);
            gpu.MatMul(false, true, m, n, k, a, k, b, k, g, n, dtype);
            Compare.Close(c, g, Compare.Tolerance(dtype), $"cuda gemm {dtype}", floor: 1e-2f);
        }
    }

    [GpuFact]
    public void CublasLt_fp16_and_bf16_gemms_agree_with_the_cpu_tensor_core_gemm()
    {
        using var device = GpuDevice.Open(GpuAcceleratorKind.Cuda);
        using var cublas = new CublasLtGemm();
        const int m = 64, n = 96, k = 128;
        foreach (var dtype in new[] { DType.Bf16, DType.Fp16 })
            foreach (bool transB in new[] { false, true })
            {
                var a = Compare.Random(m * k, 3, 1f, dtype);
                var b = Compare.Random(k * n, 4, 1f, dtype);
                var expected = new float[m * n];
                CpuKernelSet.Instance.MatMul(false, transB, m, n, k, a, k, b, transB ? k : n, expected, n, dtype);
                var a16 = new ushort[a.Length];
                var b16 = new ushort[b.Length];
                Numerics.DTypeStorage.Pack(a, a16, dtype);
                Numerics.DTypeStorage.Pack(b, b16, dtype);
                using var da = device.Accelerator.Allocate1D(a16);
                using var db = device.Accelerator.Allocate1D(b16);
                using var dd = device.Accelerator.Allocate1D<ushort>(m * n);
                cublas.MatMul(false, transB, m, n, k, da.NativePtr, k, 0, db.NativePtr, transB ? k : n, 0, dd.NativePtr, n, 0, 1, dtype);
                device.Accelerator.Synchronize();
                var d16 = dd.GetAsArray1D();
                var actual = new float[m * n];
                Numerics.DTypeStorage.Unpack(d16, actual, dtype);
                Compare.Close(expected, actual, Compare.Tolerance(dtype), $"cublasLt {dtype} transB={transB}", floor: 1e-1f);
            }
    }
}

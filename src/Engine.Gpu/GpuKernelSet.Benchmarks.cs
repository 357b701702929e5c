using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Gpu.Kernels;

namespace Precision.Orleans.Engine.Gpu;

public sealed partial class GpuKernelSet
{
    /// <summary>
    /// Seconds per m×n×k GEMM (C = A·Bᵀ) on device-resident operands, after one warm-up: cuBLASLt when
    /// <paramref name="cublas"/> (fails when it is not loaded), else the ILGPU reference kernel. No host transfers timed.
    /// </summary>
    internal double TimeGemm(int m, int n, int k, DType dtype, int iterations, bool cublas)
    {
        if (cublas && _cublas is null) throw new InvalidOperationException($"cuBLASLt is not in use: {GemmPath}");
        var rng = new Random(5);
        var a = new float[(long)m * k];
        var b = new float[(long)n * k];
        for (int i = 0; i < a.Length; i++) a[i] = Numerics.DTypeRounding.Round((float)(rng.NextDouble() - 0.5), dtype);
        for (int i = 0; i < b.Length; i++) b[i] = Numerics.DTypeRounding.Round((float)(rng.NextDouble() - 0.5), dtype);
        using var da = Upload<float>(a);
        using var db = Upload<float>(b);
        using var dc = Allocate<float>((long)m * n);
        using var a16 = Allocate<ushort>(a.Length);
        using var b16 = Allocate<ushort>(b.Length);
        using var d16 = Allocate<ushort>((long)m * n);
        if (dtype != DType.Fp32)
        {
            _packBits(Extent(a.Length), da.View, a16.View, Code(dtype));
            _packBits(Extent(b.Length), db.View, b16.View, Code(dtype));
        }
        var shape = new GemmShape { M = m, N = n, K = k, Lda = k, Ldb = k, Ldc = n, TransB = 1, DType = Code(dtype) };
        void Once()
        {
            if (!cublas) _gemm(Extent((long)m * n), da.View, db.View, dc.View, shape);
            else
            {
                nint stream = ((ILGPU.Runtime.Cuda.CudaStream)_accelerator.DefaultStream).StreamPtr;
                if (dtype == DType.Fp32) _cublas!.MatMul(false, true, m, n, k, da.NativePtr, k, 0, db.NativePtr, k, 0, dc.NativePtr, n, 0, 1, dtype, stream);
                else _cublas!.MatMul(false, true, m, n, k, a16.NativePtr, k, 0, b16.NativePtr, k, 0, d16.NativePtr, n, 0, 1, dtype, stream);
            }
        }
        Once();
        _accelerator.Synchronize();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++) Once();
        _accelerator.Synchronize();
        return clock.Elapsed.TotalSeconds / iterations;
    }
}

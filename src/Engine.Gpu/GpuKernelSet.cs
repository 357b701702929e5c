using ILGPU;
using ILGPU.Runtime;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Backends;
using Precision.Orleans.Engine.Gpu.Kernels;
using Precision.Orleans.Engine.Layers;

namespace Precision.Orleans.Engine.Gpu;

/// <summary>
/// <see cref="IKernelSet"/> on an ILGPU accelerator (a CUDA GPU, or ILGPU's CPU accelerator in the tests). Each op takes
/// the engine's host buffers, uploads them, runs its device kernels and copies its outputs back: the engines stay as
/// they are and the kernels are checked op by op against <see cref="CpuKernelSet"/>. (Device-resident activations —
/// host transfers for results only — are the next step; see the README's GPU section.)
/// </summary>
public sealed partial class GpuKernelSet : IKernelSet, IDisposable
{
    private readonly GpuDevice _device;
    private readonly Accelerator _accelerator;
    private readonly Cublas.CublasLtGemm? _cublas;

    /// <param name="useCublas">On CUDA, run GEMMs through cuBLASLt when it is found (PRECISION_GEMM=ilgpu forces the reference kernel).</param>
    public GpuKernelSet(GpuDevice device, bool useCublas = true)
    {
        _device = device;
        _accelerator = device.Accelerator;
        LoadKernels();
        GemmPath = "ilgpu reference kernel";
        if (useCublas && device.Kind == GpuAcceleratorKind.Cuda && Environment.GetEnvironmentVariable("PRECISION_GEMM") != "ilgpu")
        {
            try
            {
                _cublas = new Cublas.CublasLtGemm();
                GemmPath = $"cuBLASLt ({Cublas.CublasLtLibrary.Locate()})";
            }
            catch (Backends.ComputeDeviceUnavailableException e)
            {
                GemmPath = $"ilgpu reference kernel ({e.Message})";
            }
        }
    }

    public string Name => _device.Name;

    /// <summary>Which GEMM runs: cuBLASLt (and which file), or the ILGPU reference kernel and why.</summary>
    public string GemmPath { get; }

    public GpuDevice Device => _device;

    public void Dispose()
    {
        _cublas?.Dispose();
        _device.Dispose();
    }

    private MemoryBuffer1D<T, Stride1D.Dense> Upload<T>(ReadOnlySpan<T> source) where T : unmanaged
    {
        var buffer = _accelerator.Allocate1D<T>(Math.Max(1, source.Length));
        if (source.Length > 0) ((ArrayView<T>)buffer.View).SubView(0, source.Length).CopyFromCPU(source);
        return buffer;
    }

    private MemoryBuffer1D<T, Stride1D.Dense> Allocate<T>(long length) where T : unmanaged => _accelerator.Allocate1D<T>(Math.Max(1, length));

    private void Download<T>(MemoryBuffer1D<T, Stride1D.Dense> buffer, Span<T> destination) where T : unmanaged
    {
        _accelerator.Synchronize();
        if (destination.Length > 0) ((ArrayView<T>)buffer.View).SubView(0, destination.Length).CopyToCPU(destination);
    }

    private static int Code(DType dtype) => (int)dtype;

    private static Index1D Extent(long count) =>
        count <= int.MaxValue ? new Index1D((int)count) : throw new ArgumentException($"{count} elements exceed one launch's 2^31 − 1 threads");

    // ---- GEMM ----

    public void MatMul(bool transA, bool transB, int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, DType outDtype, bool accumulate = false)
    {
        global::Precision.Orleans.Engine.Kernels.Gemm.ValidateShapes(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        long cLength = (long)(m - 1) * ldc + n;
        using var da = Upload(a);
        using var db = Upload(b);
        using var dc = Upload<float>(c[..(int)cLength]);
        if (_cublas is not null)
        {
            MatMulCublas(transA, transB, m, n, k, da, lda, db, ldb, dc, ldc, cLength, outDtype, accumulate);
            Download(dc, c[..(int)cLength]);
            return;
        }
        _gemm(Extent((long)m * n), da.View, db.View, dc.View, new GemmShape
        {
            M = m, N = n, K = k, Lda = lda, Ldb = ldb, Ldc = ldc, TransA = transA ? 1 : 0, TransB = transB ? 1 : 0,
            DType = Code(outDtype), Accumulate = accumulate ? 1 : 0,
        });
        Download(dc, c[..(int)cLength]);
    }

    public void LinearForward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y, int m, int n, int k, DType dtype)
    {
        if (bias.IsEmpty)
        {
            MatMul(false, true, m, n, k, x, k, weight, k, y, n, dtype);
            return;
        }
        if (bias.Length < n) throw new ArgumentException($"bias has {bias.Length} elements, the layer has {n} outputs");
        // addmm: FP32 accumulation, the bias added before the single rounding
        MatMul(false, true, m, n, k, x, k, weight, k, y, n, DType.Fp32);
        using var dy = Upload<float>(y[..(m * n)]);
        using var db = Upload(bias[..n]);
        _addBias(Extent((long)m * n), dy.View, db.View, n, Code(dtype));
        Download(dy, y[..(m * n)]);
    }

    public void LinearBackward(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> dx, Span<float> dWeight,
        Span<float> dBias, int m, int n, int k, DType dtype, bool accumulateInput)
    {
        if (!dx.IsEmpty)
        {
            MatMul(false, false, m, k, n, dy, n, weight, k, dx, k, dtype, accumulateInput);
            if (accumulateInput) RoundInPlace(dx[..(m * k)], dtype);
        }
        if (!dWeight.IsEmpty) MatMul(true, false, n, k, m, dy, n, x, k, dWeight, k, dtype, accumulate: true);
        if (!dBias.IsEmpty)
        {
            // the bias gradient is Σ_rows dy, a ones-vector product: the same FP32 chain over rows, rounded once, added in FP32
            var ones = new float[m];
            Array.Fill(ones, 1f);
            MatMul(false, false, 1, n, m, ones, m, dy, n, dBias, n, dtype, accumulate: true);
        }
    }

    private void RoundInPlace(Span<float> values, DType dtype)
    {
        if (dtype == DType.Fp32) return;
        using var dv = Upload<float>(values);
        _roundInPlace(Extent(values.Length), dv.View, Code(dtype));
        Download(dv, values);
    }

    /// <summary>
    /// The GEMM through cuBLASLt on the accelerator's stream: 16-bit operands packed from the dtype values (exact), FP32
    /// compute, the product written in the dtype and widened into C (added in FP32 with accumulate); fp32 in and out when
    /// the output dtype is fp32. The accumulation order is cuBLAS's, not the CPU's, so results agree within the dtype's
    /// rounding rather than bit for bit.
    /// </summary>
    private void MatMulCublas(bool transA, bool transB, int m, int n, int k, MemoryBuffer1D<float, Stride1D.Dense> da, int lda,
        MemoryBuffer1D<float, Stride1D.Dense> db, int ldb, MemoryBuffer1D<float, Stride1D.Dense> dc, int ldc, long cLength, DType outDtype, bool accumulate)
    {
        nint stream = ((ILGPU.Runtime.Cuda.CudaStream)_accelerator.DefaultStream).StreamPtr;
        if (outDtype == DType.Fp32)
        {
            using var d32 = Allocate<float>(cLength);
            _cublas!.MatMul(transA, transB, m, n, k, da.NativePtr, lda, 0, db.NativePtr, ldb, 0, d32.NativePtr, ldc, 0, 1, DType.Fp32, stream);
            _addBlock(Extent((long)m * n), d32.View, dc.View, n, ldc, accumulate ? 1 : 0);
            return;
        }
        using var a16 = Allocate<ushort>(da.Length);
        using var b16 = Allocate<ushort>(db.Length);
        using var d16 = Allocate<ushort>(cLength);
        _packBits(Extent(da.Length), da.View, a16.View, Code(outDtype));
        _packBits(Extent(db.Length), db.View, b16.View, Code(outDtype));
        _cublas!.MatMul(transA, transB, m, n, k, a16.NativePtr, lda, 0, b16.NativePtr, ldb, 0, d16.NativePtr, ldc, 0, 1, outDtype, stream);
        _unpackBlock(Extent((long)m * n), d16.View, dc.View, n, ldc, Code(outDtype), accumulate ? 1 : 0);
    }

    /// <summary>16-bit storage bits of dtype values on the device (cuBLASLt's input format); exposed for tests.</summary>
    internal ushort[] PackBits(ReadOnlySpan<float> values, DType dtype)
    {
        using var dv = Upload(values);
        using var bits = Allocate<ushort>(values.Length);
        _packBits(Extent(values.Length), dv.View, bits.View, Code(dtype));
        var result = new ushort[values.Length];
        Download(bits, result);
        return result;
    }
}

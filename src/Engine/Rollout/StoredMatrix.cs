using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Kernels;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Rollout;

/// <summary>
/// A [Rows, Cols] weight matrix held the way an inference server holds it: true 16-bit bits
/// (bf16/fp16) or FP32 when the engine runs in FP32. Row-major, Linear convention y = x·Wᵀ.
/// </summary>
internal sealed class StoredMatrix
{
    private readonly float[]? _fp32;
    private readonly ushort[]? _bits;

    public int Rows { get; }
    public int Cols { get; }
    public DType DType { get; }

    public StoredMatrix(DType dtype, int rows, int cols)
    {
        long count = (long)rows * cols;
        if (count > Array.MaxLength) throw new ArgumentException($"weight [{rows}, {cols}] is too large for one array");
        Rows = rows;
        Cols = cols;
        DType = dtype;
        if (dtype == DType.Fp32) _fp32 = new float[count];
        else _bits = new ushort[count];
    }

    /// <summary>Writes FP32 values (whole rows) starting at <paramref name="firstRow"/>, rounding to the dtype.</summary>
    public void SetRows(int firstRow, ReadOnlySpan<float> values)
    {
        if (values.Length % Cols != 0 || firstRow + values.Length / Cols > Rows)
            throw new ArgumentException($"{values.Length} values do not fit rows {firstRow}.. of a [{Rows}, {Cols}] weight");
        int start = firstRow * Cols;
        if (_fp32 is not null) values.CopyTo(_fp32.AsSpan(start));
        else DTypeStorage.Pack(values, _bits.AsSpan(start, values.Length), DType);
    }

    /// <summary>Copies one row as FP32 (exact: every stored value is representable in FP32).</summary>
    public void CopyRow(int row, Span<float> destination)
    {
        if (_fp32 is not null) _fp32.AsSpan(row * Cols, Cols).CopyTo(destination);
        else DTypeStorage.Unpack(_bits.AsSpan(row * Cols, Cols), destination, DType);
    }

    /// <summary>
    /// y[m, Rows] = x[m, Cols] · Wᵀ with FP32 accumulation, rounded once to <paramref name="outDtype"/>.
    /// Both paths sum in the split-k order of the decode kernels, not the training GEMM's sequential
    /// order — the reduction-order difference real inference kernels have.
    /// </summary>
    public void Multiply(ReadOnlySpan<float> x, Span<float> y, int m, DType outDtype) =>
        Multiply(Backends.CpuKernelSet.Instance, x, y, m, outDtype);

    /// <summary>As <see cref="Multiply(ReadOnlySpan{float}, Span{float}, int, DType)"/> on the given kernel set.</summary>
    public void Multiply(Backends.IKernelSet kernels, ReadOnlySpan<float> x, Span<float> y, int m, DType outDtype)
    {
        if (m == 0) return;
        kernels.LinearStored(x[..(m * Cols)], _fp32, _bits, DType, y[..(m * Rows)], m, Rows, Cols, outDtype);
    }
}

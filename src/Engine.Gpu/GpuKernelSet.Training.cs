using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Gpu.Kernels;
using Precision.Orleans.Engine.Layers;

namespace Precision.Orleans.Engine.Gpu;

public sealed partial class GpuKernelSet
{
    public void EmbeddingForward(ReadOnlySpan<int> tokens, ReadOnlySpan<float> table, Span<float> output, int vocab, int d)
    {
        for (int r = 0; r < tokens.Length; r++)
            if ((uint)tokens[r] >= (uint)vocab) throw new ArgumentOutOfRangeException(nameof(tokens), $"token id {tokens[r]} at position {r} is outside the vocabulary [0, {vocab})");
        using var dt = Upload(tokens);
        using var dw = Upload(table[..(vocab * d)]);
        using var dOut = Allocate<float>((long)tokens.Length * d);
        _embeddingForward(Extent((long)tokens.Length * d), dt.View, dw.View, dOut.View, d);
        Download(dOut, output[..(tokens.Length * d)]);
    }

    public void EmbeddingBackward(ReadOnlySpan<int> tokens, ReadOnlySpan<float> dOutput, Span<float> dTable, int d, DType dtype)
    {
        int n = tokens.Length;
        if (n == 0) return;
        var (starts, rows, segmentTokens) = Segments(tokens);
        using var dStarts = Upload<int>(starts);
        using var dRows = Upload<int>(rows);
        using var dTokens = Upload<int>(segmentTokens);
        using var dOut = Upload(dOutput[..(n * d)]);
        using var dTab = Upload<float>(dTable);
        _embeddingBackward(Extent((long)segmentTokens.Length * d), dStarts.View, dRows.View, dTokens.View, dOut.View, dTab.View, d, Code(dtype));
        Download(dTab, dTable);
    }

    public void RmsNormForward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> normed, Span<float> output, Span<float> rstd,
        int rows, int d, float eps, DType dtype)
    {
        int count = rows * d;
        using var dx = Upload(x[..count]);
        using var dw = Upload(weight[..d]);
        using var dh = Allocate<float>(count);
        using var dy = Allocate<float>(count);
        using var ds = Allocate<float>(rows);
        _rmsNormForward(Extent(rows), dx.View, dw.View, dh.View, dy.View, ds.View, d, eps, Code(dtype));
        Download(dh, normed[..count]);
        Download(dy, output[..count]);
        Download(ds, rstd[..rows]);
    }

    public void RmsNormBackward(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> x, ReadOnlySpan<float> normed, ReadOnlySpan<float> rstd,
        ReadOnlySpan<float> weight, Span<float> dx, Span<float> dWeight, int rows, int d, DType dtype, bool accumulateInput)
    {
        int count = rows * d;
        using var ddy = Upload(dOutput[..count]);
        using var dxIn = Upload(x[..count]);
        using var dh = Upload(normed[..count]);
        using var ds = Upload(rstd[..rows]);
        using var dw = Upload(weight[..d]);
        using var ddx = Upload<float>(dx[..count]);
        using var ddw = Upload<float>(dWeight[..d]);
        _rmsNormBackwardInput(Extent(rows), ddy.View, dxIn.View, ds.View, dw.View, ddx.View, d, Code(dtype), accumulateInput ? 1 : 0);
        _rmsNormBackwardWeight(Extent(d), ddy.View, dh.View, ddw.View, rows, d, Code(dtype));
        Download(ddx, dx[..count]);
        Download(ddw, dWeight[..d]);
    }

    public void RopeForward(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, int rows, int seqLen, int heads, int headDim, DType dtype) =>
        Rope(_ropeForward, x, y, cos, sin, rows, seqLen, heads, headDim, dtype);

    public void RopeBackward(ReadOnlySpan<float> dy, Span<float> dx, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, int rows, int seqLen, int heads, int headDim, DType dtype) =>
        Rope(_ropeBackward, dy, dx, cos, sin, rows, seqLen, heads, headDim, dtype);

    private void Rope(RopeKernel kernel, ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin,
        int rows, int seqLen, int heads, int headDim, DType dtype)
    {
        int count = rows * heads * headDim, table = seqLen * headDim;
        if (input.Length < count || output.Length < count || cos.Length < table || sin.Length < table)
            throw new ArgumentException($"RoPE buffers too short for {rows} rows of {heads}×{headDim}");
        using var di = Upload(input[..count]);
        using var dc = Upload(cos[..table]);
        using var dsn = Upload(sin[..table]);
        using var dOut = Allocate<float>(count);
        kernel(Extent(count), di.View, dOut.View, dc.View, dsn.View, seqLen, heads, headDim, Code(dtype));
        Download(dOut, output[..count]);
    }

    public void AttentionForward(float[] q, float[] k, float[] v, float[] probs32, float[] output, AttentionLayer.Shape shape, DType dtype)
    {
        var s = Shape(shape, dtype);
        long tokens = (long)shape.Batch * shape.SeqLen;
        using var dq = Upload<float>(q.AsSpan(0, (int)(tokens * shape.QStride)));
        using var dk = Upload<float>(k.AsSpan(0, (int)(tokens * shape.KvStride)));
        using var dv = Upload<float>(v.AsSpan(0, (int)(tokens * shape.KvStride)));
        using var dp = Allocate<float>(shape.ProbCount);
        using var dOut = Allocate<float>(tokens * shape.QStride);
        _attentionScores(Extent(shape.ProbCount), dq.View, dk.View, dp.View, s);
        _attentionSoftmax(Extent((long)shape.Batch * shape.Heads * shape.SeqLen), dp.View, shape.SeqLen);
        _attentionOutput(Extent(tokens * shape.QStride), dp.View, dv.View, dOut.View, s);
        Download(dp, probs32.AsSpan(0, (int)shape.ProbCount));
        Download(dOut, output.AsSpan(0, (int)(tokens * shape.QStride)));
    }

    public void AttentionBackward(float[] dOutput, float[] q, float[] k, float[] v, float[] probs32, float[] dq, float[] dk, float[] dv,
        AttentionLayer.Shape shape, DType dtype)
    {
        var s = Shape(shape, dtype);
        long tokens = (long)shape.Batch * shape.SeqLen;
        int qCount = (int)(tokens * shape.QStride), kvCount = (int)(tokens * shape.KvStride);
        using var ddo = Upload<float>(dOutput.AsSpan(0, qCount));
        using var dqIn = Upload<float>(q.AsSpan(0, qCount));
        using var dkIn = Upload<float>(k.AsSpan(0, kvCount));
        using var dvIn = Upload<float>(v.AsSpan(0, kvCount));
        using var dp = Upload<float>(probs32.AsSpan(0, (int)shape.ProbCount));
        using var dS = Allocate<float>(shape.ProbCount);
        using var dqOut = Allocate<float>(qCount);
        using var dkOut = Allocate<float>(kvCount);
        using var dvOut = Allocate<float>(kvCount);
        _attentionOutputGradient(Extent(shape.ProbCount), ddo.View, dvIn.View, dS.View, s);
        _attentionSoftmaxBackward(Extent((long)shape.Batch * shape.Heads * shape.SeqLen), dS.View, dp.View, s);
        _attentionQueryGradient(Extent(qCount), dS.View, dkIn.View, dqOut.View, s);
        _attentionKeyValueGradient(Extent(kvCount), dS.View, dp.View, dqIn.View, ddo.View, dkOut.View, dvOut.View, s);
        Download(dqOut, dq.AsSpan(0, qCount));
        Download(dkOut, dk.AsSpan(0, kvCount));
        Download(dvOut, dv.AsSpan(0, kvCount));
    }

    private static AttentionShape Shape(AttentionLayer.Shape shape, DType dtype)
    {
        if (shape.Heads % shape.KvHeads != 0) throw new ArgumentException($"{shape.Heads} query heads are not a multiple of {shape.KvHeads} kv heads");
        return new AttentionShape
        {
            Batch = shape.Batch, SeqLen = shape.SeqLen, Heads = shape.Heads, KvHeads = shape.KvHeads, HeadDim = shape.HeadDim,
            DType = Code(dtype), Scale = shape.Scale,
        };
    }

    public void ResidualForward(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output, DType dtype)
    {
        int n = a.Length;
        if (b.Length < n || output.Length < n) throw new ArgumentException($"residual buffers shorter than the input's {n} elements");
        using var da = Upload(a);
        using var db = Upload(b[..n]);
        using var dOut = Allocate<float>(n);
        _residual(Extent(n), da.View, db.View, dOut.View, Code(dtype));
        Download(dOut, output[..n]);
    }

    public void SwiGluForward(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> activated, Span<float> output, DType dtype)
    {
        int n = gate.Length;
        if (up.Length < n || activated.Length < n || output.Length < n) throw new ArgumentException($"SwiGLU buffers shorter than the gate's {n} elements");
        using var dg = Upload(gate);
        using var du = Upload(up[..n]);
        using var da = Allocate<float>(n);
        using var dh = Allocate<float>(n);
        _swiGluForward(Extent(n), dg.View, du.View, da.View, dh.View, Code(dtype));
        Download(da, activated[..n]);
        Download(dh, output[..n]);
    }

    public void SwiGluBackward(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> gate, ReadOnlySpan<float> up, ReadOnlySpan<float> activated,
        Span<float> dGate, Span<float> dUp, DType dtype)
    {
        int n = gate.Length;
        if (dOutput.Length < n || up.Length < n || activated.Length < n || dGate.Length < n || dUp.Length < n)
            throw new ArgumentException($"SwiGLU buffers shorter than the gate's {n} elements");
        using var ddh = Upload(dOutput[..n]);
        using var dg = Upload(gate);
        using var du = Upload(up[..n]);
        using var da = Upload(activated[..n]);
        using var ddg = Allocate<float>(n);
        using var ddu = Allocate<float>(n);
        _swiGluBackward(Extent(n), ddh.View, dg.View, du.View, da.View, ddg.View, ddu.View, Code(dtype));
        Download(ddg, dGate[..n]);
        Download(ddu, dUp[..n]);
    }

    public void TokenLogProbForward(float[] logits, int[] targets, float[] logProbs, float[] logSumExp, int rows, int vocab)
    {
        for (int r = 0; r < rows; r++)
            if (targets[r] >= vocab) throw new ArgumentOutOfRangeException(nameof(targets), $"target {targets[r]} at row {r} is outside the vocabulary [0, {vocab})");
        using var dl = Upload<float>(logits.AsSpan(0, rows * vocab));
        using var dt = Upload<int>(targets.AsSpan(0, rows));
        using var dlp = Allocate<float>(rows);
        using var dlse = Allocate<float>(rows);
        _tokenLogProbForward(Extent(rows), dl.View, dt.View, dlp.View, dlse.View, vocab);
        Download(dlp, logProbs.AsSpan(0, rows));
        Download(dlse, logSumExp.AsSpan(0, rows));
    }

    public void TokenLogProbBackward(float[] dLogProbs, float[] logits, float[] logSumExp, int[] targets, float[] dLogits, int rows, int vocab, DType dtype)
    {
        using var dg = Upload<float>(dLogProbs.AsSpan(0, rows));
        using var dl = Upload<float>(logits.AsSpan(0, rows * vocab));
        using var dlse = Upload<float>(logSumExp.AsSpan(0, rows));
        using var dt = Upload<int>(targets.AsSpan(0, rows));
        using var dOut = Allocate<float>((long)rows * vocab);
        _tokenLogProbBackward(Extent((long)rows * vocab), dg.View, dl.View, dlse.View, dt.View, dOut.View, vocab, Code(dtype));
        Download(dOut, dLogits.AsSpan(0, rows * vocab));
    }
}

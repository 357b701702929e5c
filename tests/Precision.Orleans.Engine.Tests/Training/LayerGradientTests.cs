using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Layers;
using Precision.Orleans.Engine.Tests.Reference;
using Xunit;
using static Precision.Orleans.Engine.Tests.Training.GradientCheck;

namespace Precision.Orleans.Engine.Tests.Training;

/// <summary>
/// Each layer's FP32 forward against the FP64 reference, and its backward against central finite differences of the
/// FP64 reference of J = Σ upstream·layer(inputs).
/// </summary>
public class LayerGradientTests
{
    private const DType F32 = DType.Fp32;

    [Fact]
    public void RmsNorm_forward_and_gradients_match_fp64_reference()
    {
        var rng = new Random(1);
        int rows = 3, d = 8;
        float eps = 1e-6f;
        var x = Random(rng, rows * d);
        var w = Random(rng, d);
        var dy = Random(rng, rows * d);
        var normed = new float[rows * d];
        var y = new float[rows * d];
        var rstd = new float[rows];
        RmsNormLayer.Forward(x, w, normed, y, rstd, rows, d, eps, F32);
        AssertClose("forward", y, Fp64Reference.RmsNorm(ToDouble(x), ToDouble(w), rows, d, eps), 1e-5);

        var dx = new float[rows * d];
        var dw = new float[d];
        RmsNormLayer.Backward(dy, x, normed, rstd, w, dx, dw, rows, d, F32, accumulateInput: false);
        double[] xd = ToDouble(x), wd = ToDouble(w), dyd = ToDouble(dy);
        AssertClose("dx", dx, Fp64Reference.FiniteDifference(v => Fp64Reference.Dot(dyd, Fp64Reference.RmsNorm(v, wd, rows, d, eps)), xd, AllCoordinates(rows * d)));
        AssertClose("dw", dw, Fp64Reference.FiniteDifference(v => Fp64Reference.Dot(dyd, Fp64Reference.RmsNorm(xd, v, rows, d, eps)), wd, AllCoordinates(d)));

        // accumulateInput adds to what is there
        var dx2 = (float[])dx.Clone();
        RmsNormLayer.Backward(dy, x, normed, rstd, w, dx2, new float[d], rows, d, F32, accumulateInput: true);
        for (int i = 0; i < dx.Length; i++) Assert.Equal(2 * dx[i], dx2[i], 5);
    }

    [Fact]
    public void Linear_with_bias_forward_and_gradients_match_fp64_reference()
    {
        var rng = new Random(2);
        int m = 4, n = 3, k = 5;
        var x = Random(rng, m * k);
        var w = Random(rng, n * k);
        var b = Random(rng, n);
        var dy = Random(rng, m * n);
        var y = new float[m * n];
        LinearLayer.Forward(x, w, b, y, m, n, k, F32);
        AssertClose("forward", y, Fp64Reference.Linear(ToDouble(x), ToDouble(w), ToDouble(b), m, n, k), 1e-5);

        var dx = new float[m * k];
        var dw = new float[n * k];
        var db = new float[n];
        LinearLayer.Backward(dy, x, w, dx, dw, db, m, n, k, F32, accumulateInput: false);
        double[] xd = ToDouble(x), wd = ToDouble(w), bd = ToDouble(b), dyd = ToDouble(dy);
        double J(double[] xv, double[] wv, double[] bv) => Fp64Reference.Dot(dyd, Fp64Reference.Linear(xv, wv, bv, m, n, k));
        AssertClose("dx", dx, Fp64Reference.FiniteDifference(v => J(v, wd, bd), xd, AllCoordinates(m * k)));
        AssertClose("dW", dw, Fp64Reference.FiniteDifference(v => J(xd, v, bd), wd, AllCoordinates(n * k)));
        AssertClose("db", db, Fp64Reference.FiniteDifference(v => J(xd, wd, v), bd, AllCoordinates(n)));
    }

    [Fact]
    public void Rope_forward_and_gradient_match_fp64_reference()
    {
        var rng = new Random(3);
        int batch = 2, T = 5, heads = 2, hd = 8, rows = batch * T;
        float theta = 10000f;
        var x = Random(rng, rows * heads * hd);
        var dy = Random(rng, x.Length);
        var cos = new float[T * hd];
        var sin = new float[T * hd];
        RopeLayer.BuildTables(T, hd, theta, F32, cos, sin);
        var y = new float[x.Length];
        RopeLayer.Forward(x, y, cos, sin, rows, T, heads, hd, F32);
        AssertClose("forward", y, Fp64Reference.Rope(ToDouble(x), rows, T, heads, hd, theta), 1e-5);
        var dx = new float[x.Length];
        RopeLayer.Backward(dy, dx, cos, sin, rows, T, heads, hd, F32);
        double[] dyd = ToDouble(dy);
        AssertClose("dx", dx, Fp64Reference.FiniteDifference(v => Fp64Reference.Dot(dyd, Fp64Reference.Rope(v, rows, T, heads, hd, theta)), ToDouble(x), AllCoordinates(x.Length)));
    }

    [Theory]
    [InlineData(4, 2)]
    [InlineData(2, 2)]
    public void Causal_gqa_attention_forward_and_gradients_match_fp64_reference(int heads, int kvHeads)
    {
        var rng = new Random(4);
        int batch = 2, T = 5, hd = 8, n = batch * T;
        var q = Random(rng, n * heads * hd, 1.5);
        var k = Random(rng, n * kvHeads * hd, 1.5);
        var v = Random(rng, n * kvHeads * hd);
        var dO = Random(rng, q.Length);
        var s = new AttentionLayer.Shape(batch, T, heads, kvHeads, hd);
        var probs32 = new float[s.ProbCount];
        var o = new float[q.Length];
        AttentionLayer.Forward(q, k, v, probs32, o, s, F32);
        double[] qd = ToDouble(q), kd = ToDouble(k), vd = ToDouble(v), dOd = ToDouble(dO);
        AssertClose("forward", o, Fp64Reference.Attention(qd, kd, vd, batch, T, heads, kvHeads, hd), 1e-5);

        var dq = new float[q.Length];
        var dk = new float[k.Length];
        var dv = new float[v.Length];
        AttentionLayer.Backward(dO, q, k, v, probs32, dq, dk, dv, s, F32);
        double J(double[] qv, double[] kv, double[] vv) => Fp64Reference.Dot(dOd, Fp64Reference.Attention(qv, kv, vv, batch, T, heads, kvHeads, hd));
        AssertClose("dq", dq, Fp64Reference.FiniteDifference(x => J(x, kd, vd), qd, AllCoordinates(q.Length)));
        AssertClose("dk", dk, Fp64Reference.FiniteDifference(x => J(qd, x, vd), kd, AllCoordinates(k.Length)));
        AssertClose("dv", dv, Fp64Reference.FiniteDifference(x => J(qd, kd, x), vd, AllCoordinates(v.Length)));
    }

    [Fact]
    public void SwiGlu_forward_and_gradients_match_fp64_reference()
    {
        var rng = new Random(5);
        int n = 40;
        var g = Random(rng, n, 4);
        var u = Random(rng, n, 2);
        var dh = Random(rng, n);
        var a = new float[n];
        var h = new float[n];
        SwiGluLayer.Forward(g, u, a, h, F32);
        double[] gd = ToDouble(g), ud = ToDouble(u), dhd = ToDouble(dh);
        AssertClose("forward", h, Fp64Reference.SwiGlu(gd, ud), 1e-5);
        var dg = new float[n];
        var du = new float[n];
        SwiGluLayer.Backward(dh, g, u, a, dg, du, F32);
        AssertClose("dg", dg, Fp64Reference.FiniteDifference(x => Fp64Reference.Dot(dhd, Fp64Reference.SwiGlu(x, ud)), gd, AllCoordinates(n)));
        AssertClose("du", du, Fp64Reference.FiniteDifference(x => Fp64Reference.Dot(dhd, Fp64Reference.SwiGlu(gd, x)), ud, AllCoordinates(n)));
    }

    [Theory]
    [InlineData(DType.Fp32)]
    [InlineData(DType.Bf16)]
    public void Embedding_gradient_sums_repeated_tokens(DType dtype)
    {
        var rng = new Random(6);
        int vocab = 7, d = 4;
        int[] tokens = [3, 1, 3, 6, 3];
        var table = Random(rng, vocab * d);
        var y = new float[tokens.Length * d];
        EmbeddingLayer.Forward(tokens, table, y, vocab, d);
        AssertClose("forward", y, Fp64Reference.Embedding(tokens, ToDouble(table), d), 1e-7);
        var dy = Random(rng, y.Length);
        var dTable = new float[vocab * d];
        EmbeddingLayer.Backward(tokens, dy, dTable, d, dtype);
        double[] dyd = ToDouble(dy);
        var fd = Fp64Reference.FiniteDifference(v => Fp64Reference.Dot(dyd, Fp64Reference.Embedding(tokens, v, d)), ToDouble(table), AllCoordinates(vocab * d));
        AssertClose("dTable", dTable, fd, dtype == DType.Fp32 ? 1e-6 : 1e-2);
        Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddingLayer.Forward([vocab], table, new float[d], vocab, d));
    }

    [Fact]
    public void LmHead_and_log_softmax_forward_and_gradients_match_fp64_reference()
    {
        var rng = new Random(7);
        int rows = 5, d = 6, vocab = 11;
        var x = Random(rng, rows * d);
        var w = Random(rng, vocab * d);
        int[] targets = [2, 10, -1, 0, 7];
        var dlogp = Random(rng, rows);
        var logits = new float[rows * vocab];
        var lse = new float[rows];
        var logp = new float[rows];
        LinearLayer.Forward(x, w, default, logits, rows, vocab, d, F32);
        TokenLogProbLayer.Forward(logits, targets, logp, lse, rows, vocab);
        double[] xd = ToDouble(x), wd = ToDouble(w), dlogpd = ToDouble(dlogp);
        double[] Ref(double[] xv, double[] wv) => Fp64Reference.TokenLogProbs(Fp64Reference.Linear(xv, wv, null, rows, vocab, d), targets, rows, vocab);
        AssertClose("forward", logp, Ref(xd, wd), 1e-5);
        Assert.Equal(0f, logp[2]);

        TokenLogProbLayer.Backward(dlogp, logits, lse, targets, logits, rows, vocab, F32);
        var dx = new float[rows * d];
        var dw = new float[vocab * d];
        LinearLayer.Backward(logits, x, w, dx, dw, default, rows, vocab, d, F32, accumulateInput: false);
        AssertClose("dx", dx, Fp64Reference.FiniteDifference(v => Fp64Reference.Dot(dlogpd, Ref(v, wd)), xd, AllCoordinates(rows * d)));
        AssertClose("dW", dw, Fp64Reference.FiniteDifference(v => Fp64Reference.Dot(dlogpd, Ref(xd, v)), wd, AllCoordinates(vocab * d)));
    }
}

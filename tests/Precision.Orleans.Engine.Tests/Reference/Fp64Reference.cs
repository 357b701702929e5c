namespace Precision.Orleans.Engine.Tests.Reference;

/// <summary>
/// Plain scalar FP64 implementations of each layer, written from the maths (not from the engine's code), used as the
/// ground truth for forward values and, through central finite differences, for gradients. Row-major flat arrays.
/// </summary>
public static class Fp64Reference
{
    public static double[] Embedding(int[] tokens, double[] table, int d)
    {
        var y = new double[tokens.Length * d];
        for (int r = 0; r < tokens.Length; r++)
            for (int i = 0; i < d; i++) y[r * d + i] = table[tokens[r] * d + i];
        return y;
    }

    /// <summary>y = w · x / sqrt(mean(x²) + eps) per row.</summary>
    public static double[] RmsNorm(double[] x, double[] w, int rows, int d, double eps)
    {
        var y = new double[rows * d];
        for (int r = 0; r < rows; r++)
        {
            double ms = 0;
            for (int i = 0; i < d; i++) ms += x[r * d + i] * x[r * d + i];
            double s = 1.0 / Math.Sqrt(ms / d + eps);
            for (int i = 0; i < d; i++) y[r * d + i] = w[i] * x[r * d + i] * s;
        }
        return y;
    }

    /// <summary>y[m,n] = Σ_k x[m,k]·W[n,k] + b[n]; <paramref name="b"/> may be null.</summary>
    public static double[] Linear(double[] x, double[] w, double[]? b, int m, int n, int k)
    {
        var y = new double[m * n];
        for (int r = 0; r < m; r++)
            for (int j = 0; j < n; j++)
            {
                double s = b?[j] ?? 0;
                for (int p = 0; p < k; p++) s += x[r * k + p] * w[j * k + p];
                y[r * n + j] = s;
            }
        return y;
    }

    /// <summary>HF rotate_half RoPE: pair (i, i+hd/2) at position pos rotates by pos·θ^(−2i/hd).</summary>
    public static double[] Rope(double[] x, int rows, int seqLen, int heads, int hd, double theta)
    {
        var y = new double[x.Length];
        int half = hd / 2;
        for (int r = 0; r < rows; r++)
        {
            int pos = r % seqLen;
            for (int h = 0; h < heads; h++)
            {
                int o = (r * heads + h) * hd;
                for (int i = 0; i < half; i++)
                {
                    double ang = pos * Math.Pow(theta, -2.0 * i / hd);
                    double c = Math.Cos(ang), s = Math.Sin(ang);
                    double a = x[o + i], bb = x[o + i + half];
                    y[o + i] = a * c - bb * s;
                    y[o + i + half] = bb * c + a * s;
                }
            }
        }
        return y;
    }

    /// <summary>Causal GQA softmax attention; q/out [B·T, Hq·hd], k/v [B·T, Hkv·hd].</summary>
    public static double[] Attention(double[] q, double[] k, double[] v, int batch, int seqLen, int heads, int kvHeads, int hd)
    {
        var y = new double[q.Length];
        int group = heads / kvHeads;
        double scale = 1.0 / Math.Sqrt(hd);
        var p = new double[seqLen];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
            {
                int kh = h / group;
                for (int i = 0; i < seqLen; i++)
                {
                    double max = double.NegativeInfinity;
                    for (int j = 0; j <= i; j++)
                    {
                        double s = 0;
                        for (int e = 0; e < hd; e++)
                            s += q[((b * seqLen + i) * heads + h) * hd + e] * k[((b * seqLen + j) * kvHeads + kh) * hd + e];
                        p[j] = s * scale;
                        max = Math.Max(max, p[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) { p[j] = Math.Exp(p[j] - max); sum += p[j]; }
                    for (int e = 0; e < hd; e++)
                    {
                        double acc = 0;
                        for (int j = 0; j <= i; j++) acc += p[j] / sum * v[((b * seqLen + j) * kvHeads + kh) * hd + e];
                        y[((b * seqLen + i) * heads + h) * hd + e] = acc;
                    }
                }
            }
        return y;
    }

    /// <summary>silu(g)·u elementwise.</summary>
    public static double[] SwiGlu(double[] g, double[] u)
    {
        var y = new double[g.Length];
        for (int i = 0; i < g.Length; i++) y[i] = g[i] / (1 + Math.Exp(-g[i])) * u[i];
        return y;
    }

    /// <summary>log_softmax(logits[r])[t_r]; 0 where the target is −1.</summary>
    public static double[] TokenLogProbs(double[] logits, int[] targets, int rows, int vocab)
    {
        var y = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            if (targets[r] < 0) continue;
            double max = double.NegativeInfinity;
            for (int j = 0; j < vocab; j++) max = Math.Max(max, logits[r * vocab + j]);
            double sum = 0;
            for (int j = 0; j < vocab; j++) sum += Math.Exp(logits[r * vocab + j] - max);
            y[r] = logits[r * vocab + targets[r]] - max - Math.Log(sum);
        }
        return y;
    }

    public static double[] Add(double[] a, double[] b)
    {
        var y = new double[a.Length];
        for (int i = 0; i < a.Length; i++) y[i] = a[i] + b[i];
        return y;
    }

    public static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>Central finite difference of f at the given coordinates of x (x is restored afterwards).</summary>
    public static double[] FiniteDifference(Func<double[], double> f, double[] x, IReadOnlyList<int> coords, double h = 1e-6)
    {
        var g = new double[coords.Count];
        for (int c = 0; c < coords.Count; c++)
        {
            int i = coords[c];
            double keep = x[i];
            x[i] = keep + h;
            double fp = f(x);
            x[i] = keep - h;
            double fm = f(x);
            x[i] = keep;
            g[c] = (fp - fm) / (2 * h);
        }
        return g;
    }
}

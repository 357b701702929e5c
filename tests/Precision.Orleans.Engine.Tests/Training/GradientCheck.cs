using Xunit;

namespace Precision.Orleans.Engine.Tests.Training;

/// <summary>Random test data and relative-error assertions shared by the gradient tests.</summary>
internal static class GradientCheck
{
    public static float[] Random(Random rng, int count, double scale = 1.0)
    {
        var a = new float[count];
        for (int i = 0; i < count; i++) a[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return a;
    }

    public static double[] ToDouble(ReadOnlySpan<float> a)
    {
        var d = new double[a.Length];
        for (int i = 0; i < a.Length; i++) d[i] = a[i];
        return d;
    }

    public static int[] AllCoordinates(int count) => Enumerable.Range(0, count).ToArray();

    /// <summary>||a − b|| / ||b||.</summary>
    public static double RelativeError(IReadOnlyList<double> actual, IReadOnlyList<double> expected)
    {
        if (actual.Count != expected.Count) throw new ArgumentException($"lengths differ: {actual.Count} vs {expected.Count}");
        double num = 0, den = 0;
        for (int i = 0; i < actual.Count; i++)
        {
            double diff = actual[i] - expected[i];
            num += diff * diff;
            den += expected[i] * expected[i];
        }
        if (den == 0) throw new ArgumentException("reference is all zeros: the check would prove nothing");
        return Math.Sqrt(num / den);
    }

    public static void AssertClose(string what, IReadOnlyList<double> actual, IReadOnlyList<double> expected, double tolerance = 1e-3)
    {
        double err = RelativeError(actual, expected);
        Assert.True(err < tolerance, $"{what}: relative error {err:E3} ≥ {tolerance:E1}");
    }

    public static void AssertClose(string what, ReadOnlySpan<float> actual, IReadOnlyList<double> expected, double tolerance = 1e-3) =>
        AssertClose(what, ToDouble(actual), expected, tolerance);

    /// <summary>Engine gradient at the chosen coordinates.</summary>
    public static double[] At(ReadOnlySpan<float> gradient, IReadOnlyList<int> coords)
    {
        var r = new double[coords.Count];
        for (int i = 0; i < coords.Count; i++) r[i] = gradient[coords[i]];
        return r;
    }
}

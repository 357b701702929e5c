using System.Globalization;

namespace Precision.Orleans.Reporting;

/// <summary>
/// Maps data values to pixels along one axis (linear or log10) and picks readable tick values
/// (1, 2, 5 × 10^k steps for linear; powers of ten for log).
/// </summary>
public sealed class AxisScale
{
    public double Min { get; }
    public double Max { get; }
    public bool Log { get; }
    private readonly double _pixelStart, _pixelEnd;

    public AxisScale(AxisOptions options, IEnumerable<double> data, double pixelStart, double pixelEnd)
    {
        Log = options.Log;
        var values = data.Where(v => double.IsFinite(v) && (!Log || v > 0)).ToArray();
        double lo = options.Min ?? (values.Length > 0 ? values.Min() : Log ? 1 : 0);
        double hi = options.Max ?? (values.Length > 0 ? values.Max() : Log ? 10 : 1);
        if (Log && (lo <= 0 || hi <= 0)) throw new ArgumentException($"axis '{options.Label}': log scale needs a positive range, got [{lo}, {hi}]");
        if (hi < lo) throw new ArgumentException($"axis '{options.Label}': max {hi} is below min {lo}");
        if (hi == lo)
        {
            // A flat series still needs a visible range around it.
            double pad = Log ? 0 : Math.Max(Math.Abs(lo) * 0.1, 1e-12);
            if (Log) { lo /= 2; hi *= 2; } else { lo -= pad; hi += pad; }
        }
        else if (!Log)
        {
            double pad = (hi - lo) * 0.04;
            if (options.Min is null) lo -= pad;
            if (options.Max is null) hi += pad;
        }
        else
        {
            // Pad in log space so points at the extremes are not cut by the frame.
            double pad = Math.Pow(10, (Math.Log10(hi) - Math.Log10(lo)) * 0.04);
            if (options.Min is null) lo /= pad;
            if (options.Max is null) hi *= pad;
        }
        Min = lo;
        Max = hi;
        _pixelStart = pixelStart;
        _pixelEnd = pixelEnd;
    }

    private double T(double v) => Log ? Math.Log10(v) : v;

    /// <summary>Pixel of <paramref name="value"/>; NaN when it cannot be drawn (non-finite, or ≤ 0 on log).</summary>
    public double Map(double value)
    {
        if (!double.IsFinite(value) || (Log && value <= 0)) return double.NaN;
        double f = (T(value) - T(Min)) / (T(Max) - T(Min));
        return _pixelStart + f * (_pixelEnd - _pixelStart);
    }

    public IReadOnlyList<double> Ticks(int target = 6)
    {
        var ticks = new List<double>();
        if (Log)
        {
            int from = (int)Math.Ceiling(Math.Log10(Min) - 1e-9), to = (int)Math.Floor(Math.Log10(Max) + 1e-9);
            int stride = Math.Max(1, (to - from + 1 + target - 1) / target);
            for (int e = from; e <= to; e += stride) ticks.Add(Math.Pow(10, e));
            if (ticks.Count < 3)
            {
                // Less than about two decades: label 1, 2 and 5 times each power of ten as well.
                ticks.Clear();
                for (int e = from - 1; e <= to; e++)
                    foreach (double m in new[] { 1.0, 2.0, 5.0 })
                    {
                        double v = m * Math.Pow(10, e);
                        if (v >= Min * (1 - 1e-9) && v <= Max * (1 + 1e-9)) ticks.Add(v);
                    }
            }
            if (ticks.Count < 2) ticks = [Min, Max];
            return ticks;
        }
        double step = NiceStep((Max - Min) / target);
        for (double v = Math.Ceiling(Min / step) * step; v <= Max + step * 1e-9; v += step)
            ticks.Add(Math.Abs(v) < step * 1e-9 ? 0 : v);
        return ticks;
    }

    private static double NiceStep(double raw)
    {
        double mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double f = raw / mag;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    }

    /// <summary>Short label: integers plainly, small/large magnitudes in exponent form.</summary>
    public static string Format(double v)
    {
        if (v == 0) return "0";
        double a = Math.Abs(v);
        if (a >= 1e5 || a < 1e-3) return v.ToString("0.##e0", CultureInfo.InvariantCulture);
        return v.ToString(a >= 100 ? "0" : a >= 1 ? "0.##" : "0.###", CultureInfo.InvariantCulture);
    }
}

using System.Globalization;

namespace Precision.Orleans.Client.Commands;

/// <summary>
/// One way to print a measured number on the console: plain digits between 0.001 and 100,000 (whole numbers from 10^digits up), a lower-case exponent
/// outside (<c>4.9e-07</c>, never <c>4.88E-007</c> beside <c>-0.0001622</c>), the same significant digits throughout.
/// </summary>
internal static class ConsoleNumbers
{
    public static string Format(double value, int significant = 3)
    {
        if (value == 0) return "0";
        if (!double.IsFinite(value)) return value.ToString(CultureInfo.InvariantCulture);
        double magnitude = Math.Abs(value);
        if (magnitude >= 1e-3 && magnitude < 1e5)
            return magnitude >= Math.Pow(10, significant)
                ? value.ToString("0", CultureInfo.InvariantCulture)
                : value.ToString("G" + significant, CultureInfo.InvariantCulture);
        return value.ToString("0." + new string('#', Math.Max(0, significant - 1)) + "e+00", CultureInfo.InvariantCulture);
    }
}

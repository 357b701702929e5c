using System.Globalization;

namespace Precision.Orleans.Client.Experiments;

/// <summary>How the report prints numbers: a dash for what was not measured.</summary>
internal static class ReportFormat
{
    public const string None = "—";

    public static string Percent(double v) => double.IsFinite(v) ? (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : None;

    public static string Number(double v) => !double.IsFinite(v) ? None
        : v == 0 ? "0"
        : Math.Abs(v) is >= 1e4 or < 1e-3 ? v.ToString("0.00e0", CultureInfo.InvariantCulture)
        : v.ToString("0.####", CultureInfo.InvariantCulture);

    public static string Seconds(double v) => double.IsFinite(v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : None;

    public static string Step(int? step) => step?.ToString(CultureInfo.InvariantCulture) ?? None;
}

namespace Precision.Orleans.Reporting;

/// <summary>One axis: its label, linear or log10 scale, and an optional fixed range (else fitted to the data).</summary>
public sealed record AxisOptions(string Label = "", bool Log = false, double? Min = null, double? Max = null);

namespace Precision.Orleans.Reporting;

/// <summary>Colour-blind-friendly series colours (Okabe–Ito), cycled.</summary>
public static class Palette
{
    public static readonly IReadOnlyList<string> Colors =
        ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];

    public static string At(int index) => Colors[((index % Colors.Count) + Colors.Count) % Colors.Count];
}

using Precision.Orleans.RL.Experiments;

namespace Precision.Orleans.Client.Experiments;

/// <summary>What <see cref="ExperimentReport.Write"/> wrote.</summary>
internal sealed record ExperimentReportFiles(string Html, string Json, IReadOnlyList<string> Svgs, int Runs, IReadOnlyList<TimingComparison> Timing,
    LoadAverageRecord? Load = null);

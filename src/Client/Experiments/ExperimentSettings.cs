namespace Precision.Orleans.Client.Experiments;

/// <summary>What <c>precision experiment</c> was asked to do.</summary>
internal sealed record ExperimentSettings
{
    /// <summary>The grid YAML file.</summary>
    public required string GridPath { get; init; }

    /// <summary>Run directories go to OUT/&lt;run name&gt;/, the report to OUT/experiment.html.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Run only these cells (by name); empty = all.</summary>
    public IReadOnlyList<string> Only { get; init; } = [];

    /// <summary>Run nothing; rebuild the report from the run directories already there.</summary>
    public bool ReportOnly { get; init; }
}

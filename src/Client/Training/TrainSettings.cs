namespace Precision.Orleans.Client.Training;

/// <summary>What <c>precision train</c> was asked to do.</summary>
internal sealed record TrainSettings
{
    /// <summary>The YAML run spec.</summary>
    public required string SpecPath { get; init; }

    /// <summary>Run directory; default <c>runs/&lt;name&gt;</c>.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Checkpoint to resume from ("step-000010", "10"); default the newest in the run directory.</summary>
    public string? ResumeFrom { get; init; }

    /// <summary>Overrides <c>schedule.iterations</c> (e.g. to extend a finished run).</summary>
    public int? Iterations { get; init; }

    /// <summary><c>--set KEY.PATH=VALUE</c> overrides of the spec, applied before it is validated.</summary>
    public IReadOnlyList<string> Overrides { get; init; } = [];

    /// <summary><c>--device</c>: overrides the spec's precision.device.</summary>
    public Engine.Backends.ComputeDevice? Device { get; init; }
}

namespace Precision.Orleans.Grains;

/// <summary>The submitted part of a run (written by the run grain only): spec and cancellation.</summary>
internal sealed record RunDocument
{
    public const string StateName = "run";

    public string RunId { get; init; } = "";
    public string SpecYaml { get; init; } = "";
    public DateTimeOffset SubmittedAt { get; init; }
    public bool CancelRequested { get; init; }
}

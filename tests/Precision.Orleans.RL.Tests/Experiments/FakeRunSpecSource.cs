using Precision.Orleans.RL.Experiments;
using Precision.Orleans.RL.Spec;

namespace Precision.Orleans.RL.Tests.Experiments;

/// <summary>Stands in for the run-spec loader: records what the grid handed it and refuses non-positive batches.</summary>
internal sealed class FakeRunSpecSource(RunSpec? spec = null) : IRunSpecSource
{
    public RunSpec Spec { get; } = spec ?? new RunSpec { Model = "model-dir", Schedule = new ScheduleSpec { Iterations = 4 } };
    public List<string> Loaded { get; } = [];

    public RunSpec LoadFile(string path)
    {
        Loaded.Add("file:" + path);
        return Spec;
    }

    public RunSpec Parse(string yaml, string origin, string baseDirectory)
    {
        Loaded.Add("text:" + yaml);
        return Spec;
    }

    public void Validate(RunSpec spec)
    {
        if (spec.Batch.Prompts <= 0) throw new ArgumentException($"batch.prompts must be >= 1, got {spec.Batch.Prompts}");
    }
}

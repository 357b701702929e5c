using Precision.Orleans.RL.Spec;

namespace Precision.Orleans.RL.Experiments;

/// <summary>The run-spec files of <c>precision train</c>, as a grid reads them.</summary>
public static class RunSpecFiles
{
    public static readonly IRunSpecSource Source = new LoaderSource();

    // TEMPORARY until rl-trainer's RunSpecLoader is merged: it replaces these bodies.
    private sealed class LoaderSource : IRunSpecSource
    {
        public RunSpec LoadFile(string path) => throw new NotSupportedException("RunSpecLoader not merged yet");
        public RunSpec Parse(string yaml, string origin) => throw new NotSupportedException("RunSpecLoader not merged yet");
        public void Validate(RunSpec spec) => throw new NotSupportedException("RunSpecLoader not merged yet");
    }
}

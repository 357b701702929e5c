using Precision.Orleans.RL.Spec;

namespace Precision.Orleans.RL.Experiments;

/// <summary>The run-spec files of <c>precision train</c> (<see cref="RunSpecLoader"/>), as a grid reads them.</summary>
public static class RunSpecFiles
{
    public static readonly IRunSpecSource Source = new LoaderSource();

    private sealed class LoaderSource : IRunSpecSource
    {
        public RunSpec LoadFile(string path) => RunSpecLoader.Load(path);

        public RunSpec Parse(string yaml, string origin, string baseDirectory) => RunSpecLoader.Parse(yaml, origin, baseDirectory);

        public void Validate(RunSpec spec) => RunSpecValidator.Validate(spec, "base");
    }
}

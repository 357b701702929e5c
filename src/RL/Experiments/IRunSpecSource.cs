using Precision.Orleans.RL.Spec;

namespace Precision.Orleans.RL.Experiments;

/// <summary>
/// How a grid reads and checks run specs: the grid's base spec is a run spec (a file, or a mapping inline),
/// and every cell must pass the same validation as a run spec loaded by <c>precision train</c>.
/// </summary>
public interface IRunSpecSource
{
    /// <summary>Loads and validates the run spec file at <paramref name="path"/>.</summary>
    RunSpec LoadFile(string path);

    /// <summary>Parses and validates run-spec YAML text; <paramref name="origin"/> names where it came from in messages,
    /// relative paths in it are resolved against <paramref name="baseDirectory"/> (the grid file's directory).</summary>
    RunSpec Parse(string yaml, string origin, string baseDirectory);

    /// <summary>Throws (naming the key and the allowed values) when <paramref name="spec"/> is not a valid run.</summary>
    void Validate(RunSpec spec);
}

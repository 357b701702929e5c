namespace Precision.Orleans.RL.Spec;

/// <summary>A run spec that cannot be used: the message names the file, the key path (e.g. <c>batch.prompts</c>) and what is allowed.</summary>
public sealed class RunSpecException : Exception
{
    public RunSpecException(string source, string keyPath, string problem, int? line = null)
        : base($"{source}{(line is { } l ? $":{l}" : "")}: {(keyPath.Length > 0 ? keyPath + ": " : "")}{problem}")
    {
        Source = source;
        KeyPath = keyPath;
        Problem = problem;
    }

    /// <summary>What is wrong, without the source and key (for re-attributing an error to a --set override).</summary>
    public string Problem { get; }

    /// <summary>The spec file (or the name given to <see cref="RunSpecLoader.Parse"/>).</summary>
    public new string Source { get; }

    /// <summary>Dotted path of the offending key, "" for the document as a whole.</summary>
    public string KeyPath { get; }
}

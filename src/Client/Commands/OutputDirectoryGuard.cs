using Precision.Orleans.Engine.Checkpoints;

namespace Precision.Orleans.Client.Commands;

/// <summary>
/// Refuses an <c>--out</c> that names a file, or a directory that already holds a model, unless the user said
/// <c>--overwrite</c>: a finished model is hours of work, and a typo in --out should not replace it.
/// </summary>
internal static class OutputDirectoryGuard
{
    public static void RequireWritableModelDirectory(string directory, bool overwrite, string option = "--out")
    {
        if (File.Exists(directory)) throw new ArgumentException($"{option} '{directory}' is a file, not a directory");
        if (!overwrite && File.Exists(Path.Combine(directory, ModelCheckpoint.ConfigFileName)))
            throw new ArgumentException(
                $"{option} '{directory}' already holds a model ({ModelCheckpoint.ConfigFileName}); pass --overwrite to replace it, or choose another {option}");
    }
}

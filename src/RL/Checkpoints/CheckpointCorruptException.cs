namespace Precision.Orleans.RL.Checkpoints;

/// <summary>A checkpoint that fails verification; the message names the checkpoint, the file and the problem.</summary>
public sealed class CheckpointCorruptException(string message, string checkpointDirectory, string? file, Exception? inner = null)
    : Exception(message, inner)
{
    public string CheckpointDirectory { get; } = checkpointDirectory;

    /// <summary>The file that failed (a path), or null when the checkpoint as a whole is unusable.</summary>
    public string? File { get; } = file;
}

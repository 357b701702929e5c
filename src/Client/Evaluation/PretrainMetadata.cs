namespace Precision.Orleans.Client.Evaluation;

/// <summary>Checkpoint metadata keys written by <c>precision pretrain</c> and read by the commands that sample from its model.</summary>
internal static class PretrainMetadata
{
    public const string TaskKey = "precision.task";
    public const string DifficultyKey = "precision.difficulty";
}

namespace Precision.Orleans.RL.Training;

/// <summary>Where prompt group <paramref name="PromptIndex"/> of a step was sampled.</summary>
/// <param name="PromptIndex">Prompt index within the step.</param>
/// <param name="WorkerKey">The sampler ("local" in process, "{silo}/{slot}" on the cluster).</param>
/// <param name="Attempts">Dispatches it took (1 = no re-dispatch).</param>
/// <param name="WeightVersion">Weight version the rollouts were sampled with.</param>
public sealed record GroupProvenance(int PromptIndex, string WorkerKey, int Attempts, long WeightVersion);

namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>
/// One owner of an expert-parallel MoE group (key "{group}/expert/{owners}/{owner}"): a disjoint set of experts of every
/// sparse layer, in the rollout dtype, at one weight version. Rollout workers send it a sparse layer's routed rows of its
/// experts and combine what comes back themselves, in their fixed order. A training group's owners (the learner's, a
/// gradient worker's: group names ending in "/train") hold the experts in the training dtype and run forward and backward.
/// </summary>
public interface IExpertWorkerGrain : IGrainWithStringKey
{
    /// <summary>Replaces the held experts with <paramref name="weights"/>'s (a no-op when the same version of the same set is held).</summary>
    Task Load(ExpertWeights weights);

    /// <summary>Runs each listed expert over its rows; fails when the rows name another weight version or an expert not held here.</summary>
    Task<byte[]> Run(ExpertRows rows);

    /// <summary>The weight version held; -1 before the first load.</summary>
    Task<long> GetWeightVersion();

    /// <summary>Rollout rows (routed token·expert pairs) this activation has run through <see cref="Run"/>.</summary>
    Task<long> GetRowsServed();

    /// <summary>
    /// Training side: replaces the held training experts with <paramref name="weights"/>'s, rounded to
    /// <see cref="ExpertWeights.RolloutDType"/> (here the training compute dtype). Always loads, even at the version held:
    /// a training engine numbers its loads from 0 again when it is rebuilt (a re-configured gradient worker, a restarted
    /// learner), so an equal version number does not mean equal weights.
    /// </summary>
    Task LoadTraining(ExpertWeights weights);

    /// <summary>Training rows this activation has run through <see cref="TrainForward"/> and <see cref="TrainBackward"/> (tests check the experts really trained here).</summary>
    Task<long> GetTrainingRowsServed();

    /// <summary>Training forward of a sparse layer's rows; keeps the activations for <see cref="TrainBackward"/>. Replies the expert outputs.</summary>
    Task<byte[]> TrainForward(ExpertRows rows);

    /// <summary>Zeroes the training experts' weight gradients (a learner backward starts).</summary>
    Task ZeroGradients();

    /// <summary>Backward of the last <see cref="TrainForward"/> of the layer: <paramref name="rows"/> carry dOutput, the reply dInput; adds the weight gradients.</summary>
    Task<byte[]> TrainBackward(ExpertRows rows);

    /// <summary>Floats [<paramref name="offset"/>, +<paramref name="count"/>) of the held weight gradients (FP32, master-slice order), so a reply stays under the message size limit.</summary>
    Task<byte[]> ReadGradients(long offset, int count);
}

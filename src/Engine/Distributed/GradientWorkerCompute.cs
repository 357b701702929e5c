using System.Numerics.Tensors;
using Precision.Orleans.Engine.Training;

namespace Precision.Orleans.Engine.Distributed;

/// <summary>
/// A data-parallel gradient worker's computation, shared by the in-process learner and the GradientWorker grain: load
/// the weight version and the loss scale, then per micro-batch of its share zero the gradients, run forward+backward
/// (the caller's loss, at the engine's scale, in the training dtype) and hand the micro-batch's whole gradient on.
/// </summary>
public static class GradientWorkerCompute
{
    /// <summary>Puts <paramref name="engine"/> at the weight version and loss scale of the step.</summary>
    public static void Prepare(TrainingEngine engine, ReadOnlySpan<float> trainedWeights, LossScaleState scale)
    {
        engine.LoadTrainedWeights(trainedWeights);
        engine.LossScaler.Restore(scale.Scale, scale.GrowthTracker, scale.SkippedSteps);
        engine.ZeroGradients();
    }

    /// <summary>
    /// Runs micro-batches <paramref name="first"/>…+<paramref name="count"/> through <paramref name="forwardBackward"/>
    /// (returns the micro-batch's target tokens) and passes each one's scaled gradient to <paramref name="send"/>; an
    /// optional test-only <paramref name="fault"/> may alter a gradient before it is inspected and sent.
    /// </summary>
    public static GradientWorkerReport Run(TrainingEngine engine, int worker, long step, int first, int count,
        Func<TrainingEngine, int, int> forwardBackward, Action<int, float[]> send, Action<int, float[]>? fault = null)
    {
        bool overflow = false;
        double sumSquares = 0;
        int tokens = 0;
        float scale = engine.LossScaler.Scale;
        for (int mb = first; mb < first + count; mb++)
        {
            engine.ZeroGradients();
            tokens += forwardBackward(engine, mb);
            var gradient = engine.TrainedGradients;
            fault?.Invoke(mb, gradient);
            if (LossScaler.HasNonFinite(gradient)) overflow = true;
            else
            {
                double norm = TensorPrimitives.Norm(gradient) / (double)scale;
                sumSquares += norm * norm;
            }
            send(mb, gradient);
        }
        engine.ZeroGradients();
        return new GradientWorkerReport(worker, step, overflow, sumSquares, tokens, count);
    }
}

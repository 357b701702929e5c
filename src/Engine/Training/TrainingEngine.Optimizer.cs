using System.Numerics.Tensors;

namespace Precision.Orleans.Engine.Training;

public sealed partial class TrainingEngine
{
    /// <summary>
    /// GradScaler.unscale_ + step + update, then AdamW: gradients ×(1/scale); any inf/NaN skips the step (master weights
    /// untouched) and backs the scale off; otherwise clip to <c>MaxGradNorm</c> like clip_grad_norm_, AdamW on the
    /// master weights and re-cast the compute weights. The gradients are zeroed either way.
    /// </summary>
    public OptimizerStepResult OptimizerStep(float? learningRate = null)
    {
        float scale = LossScaler.Scale;
        // As _amp_foreach_non_finite_check_and_unscale_: inf/NaN is looked for in the SCALED gradients, then they
        // are multiplied by a reciprocal computed in double and cast to float. (Checking after the unscale would
        // call a finite gradient an overflow whenever a scale below 1 pushes it past float's range.)
        var grads = TrainedGradients;
        bool foundInf = Kernels.HasNonFinite(grads);
        if (scale != 1f)
        {
            float inv = (float)(1.0 / scale);
            Kernels.Scale(grads, inv);
        }
        bool apply = LossScaler.Update(foundInf);
        float norm;
        if (!apply)
        {
            norm = float.NaN;
        }
        else
        {
            norm = Kernels.GlobalNorm(grads, TrainedTensors);
            // the optimizer's live options: a schedule may replace them between steps
            if (GradientNorms.ClipCoefficient(norm, Optimizer.Options.MaxGradNorm) is { } coef) Kernels.Scale(grads, coef);
            if (Adapters is null)
            {
                Kernels.AdamWStep(Optimizer, MasterWeights, grads, learningRate);
                RefreshComputeWeights();
            }
            else
            {
                // The base stays frozen: only the adapters move and are re-cast.
                Kernels.AdamWStep(Optimizer, Adapters.Weights, grads, learningRate);
                RefreshAdapterComputeWeights();
            }
        }
        ZeroGradients();
        return new OptimizerStepResult(apply, norm, scale, LossScaler.Scale);
    }

    /// <summary>
    /// One next-token step: loss = −Σ mask·logp / Σ mask over <see cref="TokenBatch.TargetMask"/>; Forward, Backward, OptimizerStep.
    /// Gradients already accumulated are included in the step.
    /// </summary>
    public LanguageModelStepResult TrainLanguageModelStep(TokenBatch batch)
    {
        var logp = Forward(batch);
        int n = logp.Length;
        float maskSum = 0f;
        int tokens = 0;
        for (int i = 0; i < n; i++)
        {
            float m = batch.TargetMask[i];
            maskSum += m;
            if (m != 0f) tokens++;
        }
        if (!(maskSum > 0f)) throw new ArgumentException("the batch has no target tokens (TargetMask sums to 0)");
        float lossSum = 0f;
        var dLogp = new float[n];
        for (int i = 0; i < n; i++)
        {
            float m = batch.TargetMask[i];
            lossSum += m * logp[i];
            dLogp[i] = -m / maskSum;
        }
        Backward(dLogp);
        var step = OptimizerStep();
        return new LanguageModelStepResult(-lossSum / maskSum, tokens, step);
    }
}

namespace Precision.Orleans.Engine.Training;

/// <summary>
/// The MoE block of one sparse layer run alone on given rows (tests check it against FP64 finite differences and
/// PyTorch without the attention around it). Uses the engine's weights and adds to its <see cref="Gradients"/>.
/// </summary>
public sealed partial class TrainingEngine
{
    private (int Layer, int Rows, float[] X, MoeActivations Act, MoeScratch Scratch)? _block;

    /// <summary>y[rows, D] = MoE block of sparse layer <paramref name="layer"/> applied to x[rows, D].</summary>
    internal float[] MoeBlockForward(int layer, float[] x, int rows)
    {
        var o = Layout.Layers[layer];
        if (!o.IsSparse) throw new ArgumentException($"layer {layer} is dense", nameof(layer));
        if (x.Length != rows * Config.HiddenSize) throw new ArgumentException($"x has {x.Length} values, expected {rows}×{Config.HiddenSize}");
        var block = (layer, rows, (float[])x.Clone(), new MoeActivations(Config, rows), new MoeScratch(Config, rows));
        var y = new float[rows * Config.HiddenSize];
        MoeForward(layer, o, block.Item4, block.Item3, y, rows);
        _block = block;
        return y;
    }

    /// <summary>The last <see cref="MoeBlockForward"/>'s routing: [rows, k] experts by descending probability, and [rows, E] FP32 probabilities.</summary>
    internal (int[] TopExperts, float[] Probs) MoeBlockRouting()
    {
        var b = _block ?? throw new InvalidOperationException("MoeBlockRouting needs a MoeBlockForward first");
        return (b.Act.TopExperts.ToArray(), b.Act.Probs32.ToArray());
    }

    /// <summary>dx for dy through the last <see cref="MoeBlockForward"/>; <paramref name="auxGradient"/> [E] is added to dp of every row.</summary>
    internal float[] MoeBlockBackward(float[] dy, float[]? auxGradient = null)
    {
        var b = _block ?? throw new InvalidOperationException("MoeBlockBackward needs a MoeBlockForward first");
        var dx = new float[b.Rows * Config.HiddenSize];
        _expertExecutor?.ZeroGradients();
        MoeBackward(b.Layer, Layout.Layers[b.Layer], b.Act, b.Scratch, dy, b.X, dx, b.Rows, auxGradient ?? [], []);
        if (_expertExecutor is { } executor)
        {
            // The block's expert gradients were formed on the executor from zero: add them (zero elsewhere) here.
            var expertGradients = new float[_backwardGradients.Length];
            executor.WriteGradients(Layout, expertGradients);
            System.Numerics.Tensors.TensorPrimitives.Add(_backwardGradients, expertGradients, _backwardGradients);
        }
        return dx;
    }
}

namespace Precision.Orleans.Engine.Model;

/// <summary>
/// The experts one sequence's tokens were routed to: for every MoE layer and every input position, the
/// top-k expert indices sorted ascending (a set, so two engines' choices compare element by element).
/// Position p is the token at p being processed, whose output predicts token p + 1.
/// </summary>
public sealed class ExpertRouting
{
    private readonly int[] _experts;

    public ExpertRouting(int moeLayers, int topK, int positions)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(moeLayers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(topK);
        ArgumentOutOfRangeException.ThrowIfNegative(positions);
        MoeLayers = moeLayers;
        TopK = topK;
        Positions = positions;
        _experts = new int[moeLayers * positions * topK];
    }

    /// <summary>Number of sparse layers recorded (index 0 is the first sparse decoder layer).</summary>
    public int MoeLayers { get; }

    public int TopK { get; }

    public int Positions { get; }

    /// <summary>The sorted top-k set of MoE layer <paramref name="moeLayer"/> at <paramref name="position"/>.</summary>
    public Span<int> At(int moeLayer, int position)
    {
        if ((uint)moeLayer >= (uint)MoeLayers) throw new ArgumentOutOfRangeException(nameof(moeLayer), moeLayer, $"routing has {MoeLayers} MoE layers");
        if ((uint)position >= (uint)Positions) throw new ArgumentOutOfRangeException(nameof(position), position, $"routing has {Positions} positions");
        return _experts.AsSpan((moeLayer * Positions + position) * TopK, TopK);
    }

    /// <summary>True when both record the same expert set at this layer and position.</summary>
    public bool SameSet(ExpertRouting other, int moeLayer, int position) =>
        At(moeLayer, position).SequenceEqual(other.At(moeLayer, position));
}

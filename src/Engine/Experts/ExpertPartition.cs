namespace Precision.Orleans.Engine.Experts;

/// <summary>
/// Which expert owner holds which experts (Megatron-style expert parallelism): owner o holds one contiguous block
/// of expert ids, blocks differ in size by at most one (the first num_experts mod owners blocks are the larger),
/// and every sparse layer is split the same way. Deterministic, so every rollout worker and expert worker of a
/// group agrees on it without talking.
/// </summary>
public sealed class ExpertPartition
{
    private readonly int[] _ownerOf;
    private readonly int[] _firstExpert;

    public ExpertPartition(int numExperts, int owners)
    {
        if (numExperts <= 0) throw new ArgumentOutOfRangeException(nameof(numExperts), numExperts, "expert partition: the model has no experts");
        if (owners < 1 || owners > numExperts)
            throw new ArgumentOutOfRangeException(nameof(owners), owners, $"expert partition: expert owners must be in [1, num_experts = {numExperts}]");
        NumExperts = numExperts;
        Owners = owners;
        _firstExpert = new int[owners + 1];
        int baseSize = numExperts / owners, larger = numExperts % owners;
        for (int o = 0; o < owners; o++) _firstExpert[o + 1] = _firstExpert[o] + baseSize + (o < larger ? 1 : 0);
        _ownerOf = new int[numExperts];
        for (int o = 0; o < owners; o++)
            for (int e = _firstExpert[o]; e < _firstExpert[o + 1]; e++) _ownerOf[e] = o;
    }

    public int NumExperts { get; }
    public int Owners { get; }

    public int OwnerOf(int expert) => _ownerOf[expert];

    /// <summary>The experts owner <paramref name="owner"/> holds, ascending.</summary>
    public int[] ExpertsOf(int owner) => [.. Enumerable.Range(_firstExpert[owner], _firstExpert[owner + 1] - _firstExpert[owner])];

    /// <summary>
    /// Splits an ascending expert list into one run per owner: (owner, first index, end index) into
    /// <paramref name="experts"/>. Blocks are contiguous, so each owner's experts (and their grouped rows) are one range.
    /// </summary>
    public List<(int Owner, int From, int To)> OwnerRuns(ReadOnlySpan<int> experts)
    {
        var runs = new List<(int Owner, int From, int To)>();
        for (int i = 0; i < experts.Length;)
        {
            int owner = OwnerOf(experts[i]), j = i + 1;
            while (j < experts.Length && OwnerOf(experts[j]) == owner) j++;
            runs.Add((owner, i, j));
            i = j;
        }
        return runs;
    }
}

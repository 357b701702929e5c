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

    /// <summary>A call on one owner: its experts, their row starts (from 0), its input rows and its output rows.</summary>
    internal delegate void OwnerCall(int owner, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> rowsIn, Span<float> rowsOut);

    /// <summary>
    /// Splits grouped rows by owner and runs <paramref name="call"/> for every owner with rows, concurrently; each writes
    /// its own contiguous row range of <paramref name="rowsOut"/>, where the one-process path would have written it.
    /// </summary>
    internal void RunOwners(ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> rowsIn, Span<float> rowsOut, OwnerCall call)
    {
        if (rowStart.Length != experts.Length + 1) throw new ArgumentException("expert parallel: rowStart needs one entry per expert plus the end", nameof(rowStart));
        int rows = rowStart[^1];
        if (rows == 0) return;
        int d = rowsIn.Length / rows;
        var runs = OwnerRuns(experts);
        // Spans cannot cross threads: the owners run on arrays; each writes a disjoint row range.
        int[] expertArray = experts.ToArray(), startArray = rowStart.ToArray();
        float[] input = rowsIn[..(rows * d)].ToArray(), output = new float[rows * d];
        Parallel.ForEach(runs, run =>
        {
            int firstRow = startArray[run.From], lastRow = startArray[run.To];
            var localStart = new int[run.To - run.From + 1];
            for (int i = 0; i < localStart.Length; i++) localStart[i] = startArray[run.From + i] - firstRow;
            call(run.Owner, expertArray.AsSpan(run.From, run.To - run.From), localStart,
                input.AsSpan(firstRow * d, (lastRow - firstRow) * d), output.AsSpan(firstRow * d, (lastRow - firstRow) * d));
        });
        output.CopyTo(rowsOut);
    }
}

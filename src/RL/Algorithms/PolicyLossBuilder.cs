namespace Precision.Orleans.RL.Algorithms;

/// <summary>
/// Validates one <see cref="PolicyLossInputs"/> and accumulates an algorithm's terms into the aggregated loss
/// and its gradient, so each algorithm states only its own per-token (or per-sequence) surrogate.
/// </summary>
internal sealed class PolicyLossBuilder
{
    private readonly PolicyLossInputs _inputs;
    private readonly double[] _coefficient;
    private readonly int[] _responseLength;
    private readonly float[] _dLogProbs;
    private double _loss;

    public PolicyLossBuilder(PolicyLossInputs inputs, LossAggregation aggregation, bool needsOldLogProbs, string algorithm)
    {
        Validate(inputs, aggregation, needsOldLogProbs, algorithm);
        _inputs = inputs;
        int n = inputs.Sequences, t = inputs.SeqLen;
        _dLogProbs = new float[n * t];
        _coefficient = new double[n];
        _responseLength = new int[n];
        for (int i = 0; i < n; i++)
        {
            _responseLength[i] = Aggregator.ResponseLength(inputs.Mask, i, t);
            if (_responseLength[i] > 0) _coefficient[i] = Aggregator.TokenCoefficient(aggregation, inputs.Normalizers, _responseLength[i]);
        }
    }

    public PolicyLossInputs Inputs => _inputs;

    /// <summary>Sequences that have at least one response token (the others contribute nothing).</summary>
    public IEnumerable<int> ResponseSequences()
    {
        for (int i = 0; i < _inputs.Sequences; i++) if (_responseLength[i] > 0) yield return i;
    }

    /// <summary>Flat indices i·T + t of sequence i's response tokens.</summary>
    public IEnumerable<int> ResponseTokens(int sequence)
    {
        int start = sequence * _inputs.SeqLen;
        for (int k = start; k < start + _inputs.SeqLen; k++) if (_inputs.Mask[k] != 0f) yield return k;
    }

    public int ResponseLength(int sequence) => _responseLength[sequence];

    public double Advantage(int sequence) => _inputs.Advantages[sequence];

    /// <summary>Σ_t (a_t − b_t) over sequence i's response tokens, in double: a sequence log-ratio log(Π a / Π b).</summary>
    public double SequenceLogRatio(float[] numerator, float[] denominator, int sequence)
    {
        double sum = 0;
        foreach (int k in ResponseTokens(sequence)) sum += (double)numerator[k] - denominator[k];
        return sum;
    }

    /// <summary>
    /// Adds weight·ℓ at token <paramref name="index"/> of sequence i, and weight·∂ℓ/∂log π_θ to its gradient,
    /// both times c_i. A zero weight (a masked sequence) contributes exactly 0, even where ℓ is infinite.
    /// </summary>
    public void AddTokenTerm(int sequence, int index, double weight, double loss, double dLogProb)
    {
        if (weight == 0) return;
        double c = _coefficient[sequence];
        _loss += c * weight * loss;
        _dLogProbs[index] += (float)(c * weight * dLogProb);
    }

    /// <summary>Adds c_i·<paramref name="loss"/> once for the whole sequence (sequence-level objectives).</summary>
    public void AddSequenceLoss(int sequence, double loss) => _loss += _coefficient[sequence] * loss;

    /// <summary>Sets ∂Loss/∂log π_θ at <paramref name="index"/> to c_i·<paramref name="dLogProb"/>.</summary>
    public void SetTokenGradient(int sequence, int index, double dLogProb) =>
        _dLogProbs[index] = (float)(_coefficient[sequence] * dLogProb);

    public PolicyLossResult Build(ImportanceWeightStats stats) => new(_loss, _dLogProbs, stats);

    private static void Validate(PolicyLossInputs inputs, LossAggregation aggregation, bool needsOldLogProbs, string algorithm)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Sequences <= 0 || inputs.SeqLen <= 0)
            throw new ArgumentException($"{algorithm}: batch shape must be positive, got Sequences={inputs.Sequences} SeqLen={inputs.SeqLen}");
        int n = inputs.Sequences * inputs.SeqLen;
        RequireLength(inputs.LogProbs, nameof(inputs.LogProbs), n, algorithm);
        RequireLength(inputs.RolloutLogProbs, nameof(inputs.RolloutLogProbs), n, algorithm);
        RequireLength(inputs.Mask, nameof(inputs.Mask), n, algorithm);
        RequireLength(inputs.Advantages, nameof(inputs.Advantages), inputs.Sequences, algorithm);
        if (needsOldLogProbs)
        {
            if (inputs.OldLogProbs is null)
                throw new ArgumentException($"{algorithm} needs OldLogProbs (log π_θ' from the extra training-engine forward pass), but it is null");
            RequireLength(inputs.OldLogProbs, nameof(inputs.OldLogProbs), n, algorithm);
        }
        foreach (float m in inputs.Mask)
            if (m != 0f && m != 1f) throw new ArgumentException($"{algorithm}: Mask holds {m}; a mask entry must be 0 or 1");
        foreach (float a in inputs.Advantages)
            if (!float.IsFinite(a)) throw new ArgumentException($"{algorithm}: advantage {a} is not finite");
        Aggregator.Validate(aggregation, inputs.Normalizers);
        if (aggregation != LossAggregation.TokenMean && inputs.Sequences > inputs.Normalizers.Sequences)
            throw new ArgumentException(
                $"{algorithm}: the batch has {inputs.Sequences} sequences but AggregationNormalizers.Sequences = {inputs.Normalizers.Sequences}; the normalisers must cover the whole mini-batch");
    }

    private static void RequireLength(float[] array, string name, int expected, string algorithm)
    {
        ArgumentNullException.ThrowIfNull(array, name);
        if (array.Length != expected)
            throw new ArgumentException($"{algorithm}: {name} has {array.Length} entries, expected {expected}");
    }
}

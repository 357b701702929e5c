using Precision.Orleans.Abstractions;

namespace Precision.Orleans.Engine.Rollout;

public sealed partial class RolloutEngine
{
    /// <summary>
    /// Generates one response per prompt (same order). Up to <see cref="MaxBatchSize"/> sequences decode
    /// together; prompts are fed in chunks through the same decode path (chunked prefill, at most
    /// <see cref="MaxBatchedTokens"/> tokens per step); a finished sequence leaves the batch and the next
    /// waiting prompt takes its slot (continuous batching).
    /// </summary>
    public IReadOnlyList<RolloutSequence> Generate(IReadOnlyList<int[]> prompts, SamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ValidatePrompts(prompts);
        if (options.SequenceStreams is { } streams && streams.Length != prompts.Count)
            throw new ArgumentException($"rollout: {streams.Length} sequence streams for {prompts.Count} prompts", nameof(options));
        if (prompts.Count == 0) return [];
        lock (_gate)
        {
            var weights = _weights ?? throw new InvalidOperationException("rollout: no weights loaded; call LoadWeights before Generate");
            return Run(weights, prompts, options);
        }
    }

    private void ValidatePrompts(IReadOnlyList<int[]> prompts)
    {
        int vocab = Config.VocabSize, context = Config.MaxPositionEmbeddings;
        for (int i = 0; i < prompts.Count; i++)
        {
            var p = prompts[i] ?? throw new ArgumentException($"rollout: prompt {i} is null", nameof(prompts));
            if (p.Length == 0) throw new ArgumentException($"rollout: prompt {i} is empty", nameof(prompts));
            if (p.Length >= context)
                throw new ArgumentException($"rollout: prompt {i} has {p.Length} tokens, leaving no room in the model context of {context}", nameof(prompts));
            for (int t = 0; t < p.Length; t++)
                if ((uint)p[t] >= (uint)vocab)
                    throw new ArgumentException($"rollout: prompt {i} token {t} is {p[t]}, outside the vocabulary [0, {vocab})", nameof(prompts));
        }
    }

    private RolloutSequence[] Run(RolloutWeights weights, IReadOnlyList<int[]> prompts, SamplingOptions options)
    {
        int context = Config.MaxPositionEmbeddings;
        int MaxNew(int[] prompt) => Math.Min(options.MaxNewTokens, context - prompt.Length);
        int slots = Math.Min(MaxBatchSize, prompts.Count);
        // A sequence feeds at most prompt + response - 1 tokens, so this many cache positions always suffice.
        int capacity = prompts.Max(p => p.Length + MaxNew(p));
        var buffers = EnsureBuffers(Math.Max(slots, MaxBatchedTokens), slots);
        var cache = EnsureCache(slots, capacity);
        _rotary.EnsurePositions(capacity);

        var results = new RolloutSequence[prompts.Count];
        var bySlot = new ActiveSequence?[slots];
        int nextPrompt = 0, active = 0;
        for (int s = 0; s < slots; s++, nextPrompt++, active++)
            bySlot[s] = new ActiveSequence(nextPrompt, prompts[nextPrompt], MaxNew(prompts[nextPrompt]), Config);

        var stops = new HashSet<int>(options.StopTokens);
        while (active > 0)
        {
            int rows = 0, sampleCount = 0, slotsLeft = active;
            for (int s = 0; s < slots; s++)
            {
                var seq = bySlot[s];
                if (seq is null) continue;
                slotsLeft--;
                // Chunked prefill: a sequence still in its prompt feeds as many prompt tokens as the
                // token budget allows while keeping one row for every sequence not yet visited.
                int feed = Math.Max(1, Math.Min(seq.PendingPromptTokens, buffers.Rows - rows - slotsLeft));
                for (int j = 0; j < feed; j++, rows++)
                {
                    int position = seq.Fed + j;
                    buffers.Tokens[rows] = seq.TokenAt(position);
                    buffers.Positions[rows] = position;
                    buffers.Slots[rows] = s;
                    if (buffers.RowRouting is not null) buffers.RowRouting[rows] = seq.Routing;
                    if (seq.SamplesAt(position)) buffers.SampleRows[sampleCount++] = rows;
                }
            }

            DecodeStep(weights, buffers, cache, rows, sampleCount);
            SampleAll(buffers, bySlot, sampleCount, options);

            for (int r = 0; r < rows; r++) bySlot[buffers.Slots[r]]!.MarkFed();
            for (int i = 0; i < sampleCount; i++)
            {
                int slot = buffers.Slots[buffers.SampleRows[i]];
                var seq = bySlot[slot]!;
                int token = buffers.SampledTokens[i];
                seq.Append(token, buffers.SampledLogProbs[i]);
                FinishReason? finish = stops.Contains(token) ? FinishReason.Stop
                    : seq.Generated >= seq.MaxNewTokens ? FinishReason.Length
                    : null;
                if (finish is null) continue;
                results[seq.Index] = seq.ToResult(finish.Value);
                if (nextPrompt < prompts.Count)
                {
                    bySlot[slot] = new ActiveSequence(nextPrompt, prompts[nextPrompt], MaxNew(prompts[nextPrompt]), Config);
                    nextPrompt++;
                }
                else
                {
                    bySlot[slot] = null;
                    active--;
                }
            }
        }
        return results;
    }

    /// <summary>Samples every row that produced logits; each draws from its own (seed, sequence, step) counter.</summary>
    private void SampleAll(DecodeBuffers b, ActiveSequence?[] bySlot, int sampleCount, SamplingOptions options)
    {
        int vocab = Config.VocabSize;
        var uniforms = b.Uniforms.AsSpan(0, sampleCount);
        for (int i = 0; i < sampleCount; i++)
        {
            var seq = bySlot[b.Slots[b.SampleRows[i]]]!;
            long stream = options.SequenceStreams is { } streams ? streams[seq.Index] : options.FirstSequenceIndex + seq.Index;
            uniforms[i] = CounterRng.Uniform(options.Seed, stream, seq.Generated);
        }
        Kernels.Sample(b.Logits.AsSpan(0, sampleCount * vocab), vocab, options, uniforms, b.SampledTokens, b.SampledLogProbs,
            b.Probabilities, b.SortKeys);
    }

    private DecodeBuffers EnsureBuffers(int rows, int sampleRows)
    {
        if (_buffers is null || _buffers.Rows != rows || _buffers.SampleCapacity < sampleRows)
            _buffers = new DecodeBuffers(Config, rows, sampleRows);
        return _buffers;
    }

    private KvCache EnsureCache(int slots, int capacity)
    {
        var c = Config;
        if (_cache is null || !_cache.Fits(DType, slots, c.NumHiddenLayers, capacity, c.KvDim))
        {
            _cache = null; // let the old cache go before allocating the new one
            _cache = new KvCache(DType, slots, c.NumHiddenLayers, capacity, c.KvDim);
        }
        return _cache;
    }
}

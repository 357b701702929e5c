using Precision.Orleans.Engine.Data;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;

namespace Precision.Orleans.Client.LanguageModel;

/// <summary>
/// Training batches of whole examples (&lt;bos&gt; prompt response &lt;eos&gt;, truncated to the sequence
/// length). Examples are drawn four batches at a time and sorted by length, so rows of one batch are
/// of similar length and little compute goes to padding.
/// </summary>
internal sealed class LengthBucketedBatches(SyntheticCorpus corpus, CharTokenizer tokenizer, int batchSize, int seqLen, IReadOnlyCollection<string> tasks)
{
    private const int PoolBatches = 4;
    private readonly Queue<TokenBatch> _ready = new();

    public TokenBatch Next()
    {
        if (_ready.Count == 0) Refill();
        return _ready.Dequeue();
    }

    private void Refill()
    {
        var pool = new List<int[]>(batchSize * PoolBatches);
        for (int i = 0; i < batchSize * PoolBatches; i++)
        {
            int[] full = corpus.Next(tasks).FullTokens(tokenizer);
            pool.Add(full.Length > seqLen ? full[..seqLen] : full);
        }
        pool.Sort((a, b) => a.Length.CompareTo(b.Length));
        var batches = pool.Chunk(batchSize).Select(rows => TokenBatch.FromSequences(rows)).ToList();
        // Alternate short and long batches instead of a sorted run, so the loss curve is not periodic in length.
        foreach (int k in new[] { 0, 3, 1, 2 }.Where(k => k < batches.Count)) _ready.Enqueue(batches[k]);
    }
}

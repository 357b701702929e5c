using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.Client.Pretraining;

/// <summary>
/// Pretraining batches: fresh problems each step (the seed of step s is <see cref="ProblemSeeds.Pretraining"/>),
/// each row &lt;bos&gt; prompt worked-solution &lt;eos&gt;, with the loss on the response tokens only (the prompt is given, not learned).
/// </summary>
internal sealed class WorkedSolutionBatches(IProblemTask task, CharTokenizer tokenizer, int batchSize, int difficulty, int seed)
{
    public TokenBatch ForStep(int step)
    {
        var rows = new List<int[]>(batchSize);
        var responseStart = new List<int>(batchSize);
        foreach (Problem p in task.Generate(batchSize, ProblemSeeds.Pretraining(seed, step), difficulty))
        {
            int[] prompt = tokenizer.Encode(p.Prompt, addBos: true);
            int[] response = tokenizer.Encode(task.WorkedSolution(p), addEos: true);
            rows.Add([.. prompt, .. response]);
            // Position t holds the log-probability of token t, so the first target is the first response token.
            responseStart.Add(prompt.Length);
        }
        return TokenBatch.FromSequences(rows, responseStart);
    }
}

using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Training;

/// <summary>
/// The order prompts are drawn in: epochs over the problem list, each shuffled with (seed, epoch).
/// <see cref="Position"/> (prompts drawn so far) is the whole state, saved in checkpoints.
/// </summary>
internal sealed class PromptOrder
{
    private readonly IReadOnlyList<Problem> _problems;
    private readonly int _seed;
    private long _epoch = -1;
    private int[] _permutation = [];

    public PromptOrder(IReadOnlyList<Problem> problems, int seed, long position = 0)
    {
        if (problems.Count == 0) throw new ArgumentException("the training set has no problems");
        _problems = problems;
        _seed = seed;
        Position = position;
    }

    public long Position { get; private set; }

    public Problem[] Next(int count)
    {
        var batch = new Problem[count];
        for (int k = 0; k < count; k++, Position++)
        {
            long epoch = Position / _problems.Count;
            if (epoch != _epoch)
            {
                _permutation = SeedMix.Permutation(_problems.Count, SeedMix.RandomSeed(_seed, epoch, SeedMix.EpochStream));
                _epoch = epoch;
            }
            batch[k] = _problems[_permutation[(int)(Position % _problems.Count)]];
        }
        return batch;
    }
}

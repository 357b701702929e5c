namespace Precision.Orleans.RL.Tasks;

/// <summary>
/// Generator seeds for each use of a task, derived from one user seed but far apart, so that the
/// pretraining stream, its held-out spread set, the perfectible set and an eval set never share a seed.
/// </summary>
public static class ProblemSeeds
{
    public static int Pretraining(int seed, int step) => Mix(seed, 1, step);

    public static int PretrainHeldOut(int seed) => Mix(seed, 2, 0);

    public static int SanitySet(int seed) => Mix(seed, 3, 0);

    public static int Eval(int seed) => Mix(seed, 4, 0);

    private static int Mix(int seed, int purpose, int index)
    {
        ulong h = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)purpose * 0xC2B2AE3D27D4EB4FUL ^ (ulong)(uint)index * 0x165667B19E3779F9UL;
        h ^= h >> 31;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 29;
        return (int)(h & 0x7FFFFFFF);
    }
}

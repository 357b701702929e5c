namespace Precision.Orleans.RL.Training;

/// <summary>
/// Derives independent seeds from (run seed, step, stream) with SplitMix64, so every random choice of an
/// iteration depends only on its step — the reason a resumed run replays the uninterrupted one bit for bit.
/// </summary>
internal static class SeedMix
{
    public const ulong SamplingStream = 1, MiniBatchStream = 2, EpochStream = 3;

    public static ulong Derive(int seed, long step, ulong stream)
    {
        ulong x = Mix((ulong)(uint)seed);
        x = Mix(x ^ (ulong)step);
        return Mix(x ^ stream);
    }

    /// <summary>A 31-bit seed for <see cref="Random"/> (whose seeded algorithm is fixed across .NET versions).</summary>
    public static int RandomSeed(int seed, long step, ulong stream) => (int)(Derive(seed, step, stream) & int.MaxValue);

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Fisher–Yates permutation of 0..n-1, deterministic in the seed.</summary>
    public static int[] Permutation(int n, int randomSeed)
    {
        var rng = new Random(randomSeed);
        var p = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}

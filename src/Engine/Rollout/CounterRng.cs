namespace Precision.Orleans.Engine.Rollout;

/// <summary>
/// Counter-based random numbers: the uniform for (seed, sequence, step) is a pure hash (SplitMix64
/// finaliser chained over the three keys), so a sequence's samples do not depend on which other
/// sequences share its batch, on chunking, or on thread scheduling.
/// </summary>
public static class CounterRng
{
    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public static double Uniform(ulong seed, long sequence, long step)
    {
        ulong h = Mix(seed);
        h = Mix(h ^ (ulong)sequence);
        h = Mix(h ^ (ulong)step);
        return (h >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>SplitMix64: add the golden-ratio increment, then the avalanche finaliser.</summary>
    internal static ulong Mix(ulong z)
    {
        z += 0x9E37_79B9_7F4A_7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }
}

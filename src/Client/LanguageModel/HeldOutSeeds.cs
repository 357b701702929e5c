namespace Precision.Orleans.Client.LanguageModel;

/// <summary>Corpus seeds for prompts the model never trained on: derived from the run seed, far from it.</summary>
internal static class HeldOutSeeds
{
    public static int Samples(int seed) => unchecked(seed * 7919 + 1_000_003);

    public static int MismatchPrompts(int seed) => unchecked(seed * 7919 + 2_000_003);
}

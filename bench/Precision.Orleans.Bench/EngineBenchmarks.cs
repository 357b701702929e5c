namespace Precision.Orleans.Bench;

/// <summary>Placeholder until the training and rollout engines land (see EngineBenchmarks.cs.txt).</summary>
internal static class EngineBenchmarks
{
    public static int TrainStep(BenchArgs args)
    {
        Console.WriteLine("train-step: the TrainingEngine is not on this branch yet");
        return 3;
    }

    public static int Decode(BenchArgs args)
    {
        Console.WriteLine("decode: the RolloutEngine is not on this branch yet");
        return 3;
    }
}

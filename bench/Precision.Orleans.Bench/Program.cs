using Precision.Orleans.Bench;

var options = new BenchArgs(args);
switch (args.FirstOrDefault())
{
    case "gemm":
        GemmBenchmark.Run(options);
        return 0;
    case "train-step":
        return EngineBenchmarks.TrainStep(options);
    case "decode":
        return EngineBenchmarks.Decode(options);
    case "lora":
        return LoraBenchmark.Run(options);
    case "policy-iteration":
        return PolicyIterationBenchmark.Run(options);
    case "grain-call":
        return await OrleansGrainCallBenchmark.RunAsync(options);
    case "weight-publish":
        return await WeightPublicationBenchmark.RunAsync(options);
    case "weight-probe":
        return await WeightPathProbe.RunAsync(options);
    case "sharded-step":
        return await ShardedStepBenchmark.RunAsync(options);
    case "rollout-cluster":
        return await RolloutClusterBenchmark.RunAsync(options);
    case "hf-load":
        return HfLoadBenchmark.Run(options);
    case "hf-load-child":
        return HfLoadBenchmark.ChildMain(options);
    default:
        Console.WriteLine("usage: Precision.Orleans.Bench <gemm|train-step|decode|policy-iteration|lora|grain-call|weight-publish|weight-probe|sharded-step|rollout-cluster|hf-load> [--threads N] [--tokens N]");
        return 2;
}

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
    case "policy-iteration":
        return PolicyIterationBenchmark.Run(options);
    case "grain-call":
        return await GrainCallBenchmark.RunAsync(options);
    case "rollout-silos":
        return await RolloutSilosBenchmark.RunAsync(options);
    case "grain-call-http2":
        return await Http2GrainCallBenchmark.RunAsync(options);
    default:
        Console.WriteLine("usage: Precision.Orleans.Bench <gemm|train-step|decode|policy-iteration|grain-call|grain-call-http2|rollout-silos> [--threads N] [--tokens N]");
        return 2;
}

using System.CommandLine;
using Precision.Orleans.Client.Evaluation;
using Precision.Orleans.Client.Pretraining;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.Client.Commands;

/// <summary><c>precision pretrain</c>: the base policy — next-token loss on worked solutions, then its accuracy spread.</summary>
internal static class PretrainCommand
{
    public static Command Create()
    {
        var defaults = new PretrainSettings { OutputDirectory = "" };
        var output = CommonOptions.Directory("--out", "directory for the checkpoint, tokenizer, loss curve and spread report", required: true);
        var task = new Option<string>("--task") { Description = $"task to pretrain on ({string.Join("|", TaskCatalog.Names)})", DefaultValueFactory = _ => defaults.Task };
        var difficulty = new Option<int>("--difficulty") { Description = "operands of 1..D digits", DefaultValueFactory = _ => defaults.Difficulty };
        var steps = new Option<int>("--steps") { Description = "optimizer steps", DefaultValueFactory = _ => defaults.Steps };
        var batch = new Option<int>("--batch") { Description = "worked solutions per step", DefaultValueFactory = _ => defaults.BatchSize };
        var dtype = CommonOptions.DType("--dtype", defaults.DType, "training compute dtype");
        var lr = new Option<float>("--lr") { Description = "peak AdamW learning rate (warmup then cosine decay)", DefaultValueFactory = _ => defaults.LearningRate };
        var warmup = new Option<int>("--warmup") { Description = "linear warmup steps", DefaultValueFactory = _ => defaults.WarmupSteps };
        var seed = new Option<int>("--seed") { Description = "seed of the weights and of the problems", DefaultValueFactory = _ => defaults.Seed };
        var hidden = new Option<int>("--hidden") { Description = "model width D", DefaultValueFactory = _ => defaults.HiddenSize };
        var layers = new Option<int>("--layers") { Description = "decoder layers L", DefaultValueFactory = _ => defaults.Layers };
        var heads = new Option<int>("--heads") { Description = "query heads", DefaultValueFactory = _ => defaults.Heads };
        var kvHeads = new Option<int>("--kv-heads") { Description = "key/value heads (must divide --heads)", DefaultValueFactory = _ => defaults.KvHeads };
        var intermediate = new Option<int>("--intermediate") { Description = "SwiGLU inner width I", DefaultValueFactory = _ => defaults.IntermediateSize };
        var heldOut = new Option<int>("--held-out") { Description = "held-out problems for the accuracy spread (0 skips it)", DefaultValueFactory = _ => defaults.HeldOutProblems };
        var shape = new ModelShapeOptions(defaults);
        var overwrite = new Option<bool>("--overwrite") { Description = "replace a model already in --out (refused otherwise)" };
        var spreadSamples = new Option<int>("--spread-samples") { Description = "samples per held-out problem (K, temperature 1)", DefaultValueFactory = _ => defaults.SpreadSamples };

        var command = new Command("pretrain", "Train the base policy on worked solutions until it solves problems partially; save it and measure its accuracy spread.");
        foreach (Option o in new Option[] { output, task, difficulty, steps, batch, dtype, lr, warmup, seed, hidden, layers, heads, kvHeads, intermediate, heldOut, spreadSamples, overwrite })
            command.Options.Add(o);
        foreach (var o in shape.All) command.Options.Add(o);
        // Values are validated in PretrainSettings.Validate: command validators read unspecified options as 0.
        command.SetAction(parse => UserErrors.Run("pretrain", () => PretrainRunner.Run(new PretrainSettings
        {
            OutputDirectory = parse.GetValue(output)!,
            Task = parse.GetValue(task)!,
            Difficulty = parse.GetValue(difficulty),
            Steps = parse.GetValue(steps),
            BatchSize = parse.GetValue(batch),
            DType = parse.GetValue(dtype),
            LearningRate = parse.GetValue(lr),
            WarmupSteps = parse.GetValue(warmup),
            Seed = parse.GetValue(seed),
            HiddenSize = parse.GetValue(hidden),
            Layers = parse.GetValue(layers),
            Heads = parse.GetValue(heads),
            KvHeads = parse.GetValue(kvHeads),
            IntermediateSize = parse.GetValue(intermediate),
            HeldOutProblems = parse.GetValue(heldOut),
            SpreadSamples = parse.GetValue(spreadSamples),
            Overwrite = parse.GetValue(overwrite),
            ModelType = parse.GetValue(shape.ModelType)!,
            Experts = parse.GetValue(shape.Experts),
            ExpertsPerToken = parse.GetValue(shape.ExpertsPerToken),
            MoeIntermediateSize = parse.GetValue(shape.MoeIntermediate),
        })));
        return command;
    }
}

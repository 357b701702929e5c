using System.CommandLine;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Client.LanguageModel;

namespace Precision.Orleans.Client.Commands;

/// <summary><c>precision train-lm</c>: a small Qwen2-shaped model trained by next-token loss on the synthetic corpus.</summary>
internal static class TrainLmCommand
{
    public static Command Create()
    {
        var defaults = new TrainLmSettings { OutputDirectory = "" };
        var output = CommonOptions.Directory("--out", "directory for config.json, model.safetensors, tokenizer and loss curve", required: true);
        var steps = CommonOptions.Int("--steps", defaults.Steps, "optimizer steps", 1);
        var batch = CommonOptions.Int("--batch", defaults.BatchSize, "sequences per step", 1, 4096);
        var seqLen = CommonOptions.Int("--seq-len", defaults.SeqLen, "longest training sequence in tokens (longer examples are truncated)", 8, 8192);
        var dtype = CommonOptions.DType("--dtype", defaults.DType, "training compute dtype");
        var device = CommonOptions.Device();
        var lr = CommonOptions.PositiveFloat("--lr", defaults.LearningRate, "peak AdamW learning rate (warmup then cosine decay)");
        var warmup = CommonOptions.Int("--warmup", defaults.WarmupSteps, "linear warmup steps", 0);
        var seed = CommonOptions.Int("--seed", defaults.Seed, "seed of the weights and of the corpus", 0);
        var hidden = CommonOptions.Int("--hidden", defaults.HiddenSize, "model width D", 8, 8192);
        var layers = CommonOptions.Int("--layers", defaults.Layers, "decoder layers L", 1, 256);
        var heads = CommonOptions.Int("--heads", defaults.Heads, "query heads", 1, 256);
        var kvHeads = CommonOptions.Int("--kv-heads", defaults.KvHeads, "key/value heads (must divide --heads)", 1, 256);
        var tasks = CommonOptions.Tasks("--tasks", "corpus tasks to train on");
        var intermediate = CommonOptions.Int("--intermediate", defaults.IntermediateSize, "SwiGLU inner width I", 1, 65536);

        var overwrite = new Option<bool>("--overwrite") { Description = "replace a model already in --out (refused otherwise)" };
        var command = new Command("train-lm", "Train a small language model on the synthetic corpus and save it as a checkpoint.");
        var shape = new ModelShapeOptions(defaults);
        foreach (Option o in new Option[] { output, steps, batch, seqLen, dtype, lr, warmup, seed, hidden, layers, heads, kvHeads, intermediate, tasks, overwrite, device })
            command.Options.Add(o);
        foreach (var o in shape.All) command.Options.Add(o);
        command.Validators.Add(result =>
        {
            // Inside a command validator an option that was not given reads as 0, not its default.
            int Value(Option<int> o, int fallback) => result.GetResult(o) is null ? fallback : result.GetValue(o);
            int h = Value(heads, defaults.Heads), kv = Value(kvHeads, defaults.KvHeads), d = Value(hidden, defaults.HiddenSize);
            if (kv > 0 && h % kv != 0) result.AddError($"--kv-heads ({kv}) must divide --heads ({h})");
            if (h > 0 && (d % h != 0 || (d / h) % 2 != 0)) result.AddError($"--hidden ({d}) / --heads ({h}) must be an even whole head width");
        });
        command.SetAction(parse => TrainLmRunner.Run(new TrainLmSettings
        {
            OutputDirectory = parse.GetValue(output)!,
            Overwrite = parse.GetValue(overwrite),
            Steps = parse.GetValue(steps),
            BatchSize = parse.GetValue(batch),
            SeqLen = parse.GetValue(seqLen),
            DType = parse.GetValue(dtype),
            Device = parse.GetValue(device) ?? Engine.Backends.ComputeDevice.Cpu,
            LearningRate = parse.GetValue(lr),
            WarmupSteps = parse.GetValue(warmup),
            Seed = parse.GetValue(seed),
            HiddenSize = parse.GetValue(hidden),
            Layers = parse.GetValue(layers),
            Heads = parse.GetValue(heads),
            KvHeads = parse.GetValue(kvHeads),
            IntermediateSize = parse.GetValue(intermediate),
            ModelType = parse.GetValue(shape.ModelType)!,
            Experts = parse.GetValue(shape.Experts),
            ExpertsPerToken = parse.GetValue(shape.ExpertsPerToken),
            MoeIntermediateSize = parse.GetValue(shape.MoeIntermediate),
            Tasks = CommonOptions.SplitTasks(parse.GetValue(tasks)),
        }));
        return command;
    }
}

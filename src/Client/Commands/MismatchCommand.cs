using System.CommandLine;
using Precision.Orleans.Client.Mismatch;

namespace Precision.Orleans.Client.Commands;

/// <summary><c>precision mismatch</c>: paper §3.5 — how far the training engine's π is from the rollout engine's μ, per dtype.</summary>
internal static class MismatchCommand
{
    public static Command Create()
    {
        var defaults = new MismatchSettings { ModelDirectory = "" };
        var model = CommonOptions.Directory("--model", "model directory: ours or a Hugging Face one (config.json, safetensors, tokenizer)", required: true);
        var dtypes = CommonOptions.DTypeList("--dtypes", "fp32,bf16,fp16", "dtypes to compare (both engines run in each)");
        var prompts = CommonOptions.Int("--prompts", defaults.Prompts, "held-out prompts from the synthetic corpus", 1, 100_000);
        var samples = CommonOptions.Int("--samples", defaults.SamplesPerPrompt, "responses sampled per prompt", 1, 10_000);
        var maxNew = CommonOptions.Int("--max-new-tokens", defaults.MaxNewTokens, "longest response", 1, 1_000_000);
        var seed = CommonOptions.Int("--seed", defaults.Seed, "seed of the prompts and of sampling", 0);
        var output = new Option<string?>("--out") { Description = "report directory (default <model>/mismatch)" };
        var tasks = CommonOptions.Tasks("--tasks", "corpus tasks the prompts come from");
        var fp16Range = CommonOptions.Fp16Range();
        var device = CommonOptions.Device();
        var scoreBatch = CommonOptions.Int("--score-batch", defaults.ScoreBatch, "sequences per training-engine re-scoring batch", 1, 4096);

        var command = new Command("mismatch", "Sample with the rollout engine, re-score with the training engine, and report the π/μ mismatch per dtype.");
        foreach (Option o in new Option[] { model, dtypes, prompts, samples, maxNew, seed, tasks, output, scoreBatch, fp16Range, device })
            command.Options.Add(o);
        command.SetAction(parse => MismatchRunner.Run(new MismatchSettings
        {
            ModelDirectory = parse.GetValue(model)!,
            DTypes = parse.GetValue(dtypes)!,
            Prompts = parse.GetValue(prompts),
            SamplesPerPrompt = parse.GetValue(samples),
            MaxNewTokens = parse.GetValue(maxNew),
            Seed = parse.GetValue(seed),
            OutputDirectory = parse.GetValue(output),
            ScoreBatch = parse.GetValue(scoreBatch),
            Fp16Range = parse.GetValue(fp16Range),
            Device = parse.GetValue(device) ?? Engine.Backends.ComputeDevice.Cpu,
            Tasks = CommonOptions.SplitTasks(parse.GetValue(tasks)),
        }));
        return command;
    }
}

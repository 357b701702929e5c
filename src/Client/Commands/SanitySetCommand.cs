using System.CommandLine;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Client.Evaluation;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.Client.Commands;

/// <summary><c>precision sanity-set</c>: the perfectible set — problems the policy solves between --min and --max of the time.</summary>
internal static class SanitySetCommand
{
    public static Command Create()
    {
        var defaults = new SanitySetSettings { ModelDirectory = "" };
        var model = CommonOptions.Directory("--model", "checkpoint directory (config.json, model.safetensors, tokenizer.chars.json)", required: true);
        var problems = new Option<string?>("--problems") { Description = "JSONL problem file {prompt, answer, …} (instead of --task)" };
        var task = new Option<string?>("--task") { Description = $"generate problems with a task ({string.Join("|", TaskCatalog.Names)}; default arithmetic)" };
        var difficulty = new Option<int?>("--difficulty") { Description = "difficulty of generated problems (default: the model's pretraining difficulty)" };
        var count = new Option<int>("--count") { Description = "problems to generate", DefaultValueFactory = _ => defaults.Source.Count };
        var seed = new Option<int>("--seed") { Description = "seed of the generated problems (a family distinct from pretraining's) and of sampling", DefaultValueFactory = _ => 0 };
        var samples = new Option<int>("--samples") { Description = "responses sampled per problem (K)", DefaultValueFactory = _ => defaults.Samples };
        var min = new Option<double>("--min") { Description = "keep problems solved at least this often", DefaultValueFactory = _ => defaults.Min };
        var max = new Option<double>("--max") { Description = "keep problems solved at most this often", DefaultValueFactory = _ => defaults.Max };
        var dtype = CommonOptions.DType("--dtype", defaults.DType, "rollout dtype");
        var temperature = new Option<float>("--temperature") { Description = "sampling temperature", DefaultValueFactory = _ => defaults.Temperature };
        var maxNew = new Option<int?>("--max-new-tokens") { Description = "longest response (default: room for the longest worked solution, 512 for a dataset)" };
        var output = new Option<string?>("--out") { Description = "kept problems as JSONL (default <model>/sanity-set.jsonl; every problem goes to *.all.jsonl)" };

        var command = new Command("sanity-set", "Sample K responses per problem and keep the problems solved between --min and --max of the time (the perfectible set).");
        foreach (Option o in new Option[] { model, problems, task, difficulty, count, seed, samples, min, max, dtype, temperature, maxNew, output })
            command.Options.Add(o);
        command.SetAction(parse => UserErrors.Run("sanity-set", () => SanitySetRunner.Run(new SanitySetSettings
        {
            ModelDirectory = parse.GetValue(model)!,
            Source = new ProblemSource
            {
                ProblemsFile = parse.GetValue(problems),
                Task = parse.GetValue(task),
                Difficulty = parse.GetValue(difficulty),
                Count = parse.GetValue(count),
                Seed = parse.GetValue(seed),
            },
            Samples = parse.GetValue(samples),
            Min = parse.GetValue(min),
            Max = parse.GetValue(max),
            DType = parse.GetValue(dtype),
            Temperature = parse.GetValue(temperature),
            MaxNewTokens = parse.GetValue(maxNew),
            Output = parse.GetValue(output),
        })));
        return command;
    }
}

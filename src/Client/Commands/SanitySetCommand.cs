using System.CommandLine;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Client.Evaluation;

namespace Precision.Orleans.Client.Commands;

/// <summary><c>precision sanity-set</c>: the perfectible set — problems the policy solves between --min and --max of the time.</summary>
internal static class SanitySetCommand
{
    public static Command Create()
    {
        var defaults = new SanitySetSettings { ModelDirectory = "" };
        var model = CommonOptions.Directory("--model", "checkpoint directory (config.json, model.safetensors, tokenizer.chars.json)", required: true);
        var source = new ProblemSourceOptions(defaults.Source.Count, "a family distinct from pretraining's");
        var samples = new Option<int>("--samples") { Description = "responses sampled per problem (K)", DefaultValueFactory = _ => defaults.Samples };
        var min = new Option<double>("--min") { Description = "keep problems solved at least this often", DefaultValueFactory = _ => defaults.Min };
        var max = new Option<double>("--max") { Description = "keep problems solved at most this often", DefaultValueFactory = _ => defaults.Max };
        var dtype = CommonOptions.DType("--dtype", defaults.DType, "rollout dtype");
        var temperature = new Option<float>("--temperature") { Description = "sampling temperature", DefaultValueFactory = _ => defaults.Temperature };
        var maxNew = new Option<int?>("--max-new-tokens") { Description = "longest response (default: room for the longest worked solution, 512 for a dataset)" };
        var chatTemplate = CommonOptions.ChatTemplate();
        var fp16Range = CommonOptions.Fp16Range();
        var output = new Option<string?>("--out") { Description = "kept problems as JSONL (default <model>/sanity-set.jsonl; every problem goes to *.all.jsonl)" };

        var command = new Command("sanity-set", "Sample K responses per problem and keep the problems solved between --min and --max of the time (the perfectible set).");
        foreach (Option o in new Option[] { model }.Concat(source.All).Concat(new Option[] { samples, min, max, dtype, temperature, maxNew, chatTemplate, fp16Range, output }))
            command.Options.Add(o);
        command.SetAction(parse => UserErrors.Run("sanity-set", () => SanitySetRunner.Run(new SanitySetSettings
        {
            ModelDirectory = parse.GetValue(model)!,
            Source = source.Read(parse),
            Samples = parse.GetValue(samples),
            Min = parse.GetValue(min),
            Max = parse.GetValue(max),
            DType = parse.GetValue(dtype),
            Temperature = parse.GetValue(temperature),
            MaxNewTokens = parse.GetValue(maxNew),
            Output = parse.GetValue(output),
            ChatTemplate = parse.GetValue(chatTemplate),
            Fp16Range = parse.GetValue(fp16Range),
        })));
        return command;
    }
}

using System.CommandLine;
using Precision.Orleans.Client.Evaluation;

namespace Precision.Orleans.Client.Commands;

/// <summary><c>precision eval</c>: avg@k and pass@k on a held-out set at a temperature / top-p.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var defaults = new EvalSettings { ModelDirectory = "" };
        var model = CommonOptions.Directory("--model", "checkpoint directory (config.json, model.safetensors, tokenizer.chars.json or a Hugging Face tokenizer.json)", required: true);
        var source = new ProblemSourceOptions(defaults.Source.Count, "an eval family distinct from pretraining and sanity-set");
        var k = new Option<int>("--k") { Description = "responses sampled per problem", DefaultValueFactory = _ => defaults.K };
        var temperature = new Option<float>("--temperature") { Description = "sampling temperature", DefaultValueFactory = _ => defaults.Temperature };
        var topP = new Option<float>("--top-p") { Description = "nucleus sampling mass", DefaultValueFactory = _ => defaults.TopP };
        var dtype = CommonOptions.DType("--dtype", defaults.DType, "rollout dtype");
        var maxNew = new Option<int?>("--max-new-tokens") { Description = "longest response (default: room for the longest worked solution, 512 for a dataset)" };
        var chatTemplate = CommonOptions.ChatTemplate();
        var fp16Range = CommonOptions.Fp16Range();
        var output = new Option<string?>("--out") { Description = "result JSON (default <model>/eval.json)" };

        var command = new Command("eval", "Report avg@k and pass@k of a policy on a held-out set.");
        foreach (Option o in new Option[] { model }.Concat(source.All).Concat(new Option[] { k, temperature, topP, dtype, maxNew, chatTemplate, fp16Range, output }))
            command.Options.Add(o);
        command.SetAction(parse => UserErrors.Run("eval", () => EvalRunner.Run(new EvalSettings
        {
            ModelDirectory = parse.GetValue(model)!,
            Source = source.Read(parse),
            K = parse.GetValue(k),
            Temperature = parse.GetValue(temperature),
            TopP = parse.GetValue(topP),
            DType = parse.GetValue(dtype),
            MaxNewTokens = parse.GetValue(maxNew),
            Output = parse.GetValue(output),
            ChatTemplate = parse.GetValue(chatTemplate),
            Fp16Range = parse.GetValue(fp16Range),
        })));
        return command;
    }
}

using System.CommandLine;
using Precision.Orleans.Client.Evaluation;
using Precision.Orleans.Client.Inspect;

namespace Precision.Orleans.Client.Commands;

/// <summary><c>precision inspect &lt;model dir&gt;</c>: architecture, parameter counts, on-disk dtypes, files and the FP16 range report.</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var directory = new Argument<string>("model") { Description = "model directory: config.json + model.safetensors, or a sharded model.safetensors.index.json" };
        var json = new Option<bool>("--json") { Description = "print one JSON object instead of tables" };
        var top = CommonOptions.Int("--top", 5, "tensors listed in the FP16 range report", 0, 1000);
        var command = new Command("inspect", "Describe a Hugging Face (or our) checkpoint and how its weights fit FP16's range.");
        command.Arguments.Add(directory);
        command.Options.Add(json);
        command.Options.Add(top);
        command.SetAction(parse => UserErrors.Run("inspect", () => InspectRunner.Run(parse.GetValue(directory)!, parse.GetValue(json), parse.GetValue(top), Console.Out)));
        return command;
    }
}

using System.CommandLine;
using Precision.Orleans.Client.Training;

namespace Precision.Orleans.Client.Commands;

/// <summary><c>precision train RUN.yaml</c>: RL fine-tuning from a YAML run spec, resumable from its checkpoints.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var spec = new Argument<string>("spec") { Description = "YAML run spec (see examples/sanity-pg-seq-is.yaml)" };
        var output = new Option<string?>("--out") { Description = "run directory (default runs/<name>); an existing one is resumed from its newest checkpoint" };
        var resumeFrom = new Option<string?>("--resume-from") { Description = "resume from this checkpoint instead of the newest, e.g. step-000010" };
        var iterations = new Option<int?>("--iterations") { Description = "override schedule.iterations" };
        var overrides = new Option<string[]>("--set")
        {
            Description = "override a spec key, e.g. --set rollout.temperature=0.8 --set batch.prompts=32 (repeatable; validated like the file)",
            AllowMultipleArgumentsPerToken = false,
        };

        var device = CommonOptions.Device();

        var command = new Command("train", "Run (or resume) an RL fine-tuning run described by a YAML run spec, with live progress.");
        command.Arguments.Add(spec);
        foreach (Option o in new Option[] { output, resumeFrom, iterations, overrides, device }) command.Options.Add(o);
        command.SetAction(parse => TrainRunner.Run(new TrainSettings
        {
            SpecPath = parse.GetValue(spec)!,
            OutputDirectory = string.IsNullOrWhiteSpace(parse.GetValue(output)) ? null : parse.GetValue(output),
            ResumeFrom = string.IsNullOrWhiteSpace(parse.GetValue(resumeFrom)) ? null : parse.GetValue(resumeFrom),
            Iterations = parse.GetValue(iterations),
            Overrides = parse.GetValue(overrides) ?? [],
            Device = parse.GetValue(device),
        }));
        return command;
    }
}

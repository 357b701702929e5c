using System.CommandLine;

namespace Precision.Orleans.Client.Commands;

/// <summary>Every subcommand of the <c>precision</c> console, one file each.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return TrainLmCommand.Create();
        yield return TrainCommand.Create();
        yield return MismatchCommand.Create();
        yield return PretrainCommand.Create();
        yield return SanitySetCommand.Create();
        yield return EvalCommand.Create();
        yield return ExperimentCommand.Create();
        yield return InspectCommand.Create();
        yield return SubmitCommand.Create();
        yield return ListCommand.Create();
        yield return StatusCommand.Create();
        yield return WatchCommand.Create();
        yield return CancelCommand.Create();
        yield return MetricsCommand.Create();
        yield return ReportCommand.Create();
    }
}

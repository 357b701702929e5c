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
    }
}

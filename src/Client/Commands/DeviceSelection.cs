using Precision.Orleans.Engine.Backends;
using Spectre.Console;

namespace Precision.Orleans.Client.Commands;

/// <summary>Opens the kernel set of <c>--device</c> before a command does any work; a device that cannot be used is one red line.</summary>
internal static class DeviceSelection
{
    public const int RefusedExitCode = 2;

    /// <summary>The kernel set, or null after printing why the device was refused.</summary>
    public static IKernelSet? Open(ComputeDevice device)
    {
        try
        {
            return KernelSets.For(device);
        }
        catch (ComputeDeviceUnavailableException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]device refused:[/] {e.Message}");
            return null;
        }
    }
}

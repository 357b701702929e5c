using Precision.Orleans.Abstractions.Grains.Rl;
using Spectre.Console;

namespace Precision.Orleans.Client.Cluster;

/// <summary>
/// <c>precision watch</c>: polls a run's status and new metrics rows every <see cref="Interval"/> until the run is
/// Completed, Cancelled or Failed. On an interactive terminal it is a live table of the latest steps under the run's
/// status line; otherwise (redirected output, tests) it prints one line per new step and the final status.
/// </summary>
public sealed class RunWatcher(IRunSource source, IAnsiConsole console)
{
    /// <summary>Steps kept on screen in the live table.</summary>
    public const int VisibleSteps = 15;

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <returns>The final status.</returns>
    public async Task<RunStatus> WatchAsync(string runId, CancellationToken cancellationToken = default)
    {
        var rows = new List<IterationRecord>();
        var status = await source.StatusAsync(runId, cancellationToken).ConfigureAwait(false);
        if (!console.Profile.Capabilities.Interactive)
        {
            console.Write(RunTables.Status(status));
            console.WriteLine(string.Join("  ", RunTables.StepColumns));
            while (true)
            {
                var fresh = await PollAsync(runId, rows, cancellationToken).ConfigureAwait(false);
                foreach (var row in fresh.Rows)
                {
                    console.WriteLine(string.Join("  ", RunTables.StepCells(row)));
                }
                status = fresh.Status;
                if (RunTables.IsFinished(status.State))
                {
                    console.Write(RunTables.Status(status));
                    return status;
                }
                await Task.Delay(Interval, cancellationToken).ConfigureAwait(false);
            }
        }

        await console.Live(Render(status, rows)).StartAsync(async live =>
        {
            while (true)
            {
                var fresh = await PollAsync(runId, rows, cancellationToken).ConfigureAwait(false);
                status = fresh.Status;
                live.UpdateTarget(Render(status, rows));
                if (RunTables.IsFinished(status.State))
                {
                    return;
                }
                await Task.Delay(Interval, cancellationToken).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        return status;
    }

    /// <summary>Reads the status, then the rows after the last one seen (status first: a run seen finished has all its rows).</summary>
    private async Task<(RunStatus Status, IReadOnlyList<IterationRecord> Rows)> PollAsync(string runId, List<IterationRecord> rows, CancellationToken cancellationToken)
    {
        var status = await source.StatusAsync(runId, cancellationToken).ConfigureAwait(false);
        var from = rows.Count == 0 ? 0 : rows[^1].Step + 1;
        var fresh = await source.MetricsAsync(runId, from, cancellationToken).ConfigureAwait(false);
        rows.AddRange(fresh);
        return (status, fresh);
    }

    private static Rows Render(RunStatus status, List<IterationRecord> rows) =>
        new(RunTables.Status(status), RunTables.Steps(rows.Skip(Math.Max(0, rows.Count - VisibleSteps))));
}

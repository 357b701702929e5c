using Microsoft.Extensions.Logging;
using Precision.Orleans.Runtime.Directory;
using Precision.Orleans.Runtime.Messaging;

namespace Precision.Orleans.Runtime.Membership;

/// <summary>
/// A silo's membership duties: join (Joining → Active), heartbeat every period, watch the others, and leave
/// (ShuttingDown → Dead). Failure detection: a silo whose LastHeartbeat is older than
/// <see cref="MembershipOptions.SuspectAfter"/> on this silo's clock, and which does not answer a direct probe, is
/// marked Dead with a conditional update (so a heartbeat racing the decision wins) and its directory entries are
/// removed. If this silo finds itself Dead in the table, it raises <see cref="DeclaredDead"/> and must stop serving.
/// Each round is <see cref="RunOnceAsync"/>; the periodic timer runs on the silo's TimeProvider, so tests drive rounds
/// with a manual clock.
/// </summary>
public sealed class MembershipAgent(
    MembershipEntry self,
    IMembershipTable table,
    IGrainDirectory directory,
    IGrainTransport? transport,
    MembershipView view,
    MembershipOptions options,
    TimeProvider time,
    ILogger logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _round = new(1, 1);
    private ITimer? _timer;
    private bool _declaredDead;

    public SiloAddress Silo => self.Silo;

    /// <summary>Raised once when the table says this silo is Dead (another silo declared it so).</summary>
    public event Action? DeclaredDead;

    public async Task JoinAsync(CancellationToken cancellationToken = default)
    {
        options.Validate();
        var now = time.GetUtcNow().ToUniversalTime();
        await WriteOwnAsync(self with { Status = SiloStatus.Joining, StartedAt = now, LastHeartbeat = now }, cancellationToken).ConfigureAwait(false);
        await WriteOwnAsync(self with { Status = SiloStatus.Active, StartedAt = now, LastHeartbeat = now }, cancellationToken).ConfigureAwait(false);
        self = self with { StartedAt = now };
        await view.RefreshAsync(cancellationToken).ConfigureAwait(false);
        _timer = time.CreateTimer(_ => _ = TickAsync(), null, options.HeartbeatPeriod, options.HeartbeatPeriod);
    }

    /// <summary>One round: heartbeat, read the table, declare dead the silos that missed heartbeats and fail their probe.</summary>
    /// <returns>The silos this round declared Dead.</returns>
    public async Task<IReadOnlyList<SiloAddress>> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        await _round.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow().ToUniversalTime();
            if (!_declaredDead && !await table.HeartbeatAsync(self.Silo, now, cancellationToken).ConfigureAwait(false))
            {
                _declaredDead = true;
                RuntimeLog.DeclaredDead(logger, self.Silo);
                DeclaredDead?.Invoke();
                return [];
            }
            var rows = await table.ReadAllAsync(cancellationToken).ConfigureAwait(false);
            view.Update(rows);
            var killed = new List<SiloAddress>();
            foreach (var row in rows.Where(r => r.Silo != self.Silo && r.Status != SiloStatus.Dead && now - r.LastHeartbeat > options.SuspectAfter))
            {
                if (options.ProbeSuspects && transport is not null
                    && await transport.ProbeAsync(row.Silo, options.ProbeTimeout, cancellationToken).ConfigureAwait(false))
                {
                    RuntimeLog.SuspectAnswered(logger, row.Silo);
                    continue;
                }
                if (await table.TryMarkDeadAsync(row.Silo, row.LastHeartbeat, cancellationToken).ConfigureAwait(false))
                {
                    var removed = await directory.UnregisterSiloAsync(row.Silo, cancellationToken).ConfigureAwait(false);
                    RuntimeLog.MarkedDead(logger, row.Silo, row.LastHeartbeat, removed);
                    killed.Add(row.Silo);
                }
            }
            if (killed.Count > 0)
            {
                view.Update(await table.ReadAllAsync(cancellationToken).ConfigureAwait(false));
            }
            return killed;
        }
        finally
        {
            _round.Release();
        }
    }

    /// <summary>Graceful leave, first step: no new placements here.</summary>
    public Task BeginShutdownAsync(CancellationToken cancellationToken = default) =>
        WriteOwnAsync(self with { Status = SiloStatus.ShuttingDown, LastHeartbeat = time.GetUtcNow().ToUniversalTime() }, cancellationToken);

    /// <summary>Graceful leave, last step: the row becomes Dead and heartbeats stop.</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken = default)
    {
        StopTimer();
        await WriteOwnAsync(self with { Status = SiloStatus.Dead, LastHeartbeat = time.GetUtcNow().ToUniversalTime() }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops heartbeating without touching the table (a crash, as the others will see it).</summary>
    public void StopTimer()
    {
        _timer?.Dispose();
        _timer = null;
    }

    public ValueTask DisposeAsync()
    {
        StopTimer();
        return ValueTask.CompletedTask;
    }

    private async Task WriteOwnAsync(MembershipEntry entry, CancellationToken cancellationToken)
    {
        if (!await table.UpsertAsync(entry, cancellationToken).ConfigureAwait(false) && entry.Status != SiloStatus.Dead)
        {
            throw new InvalidOperationException($"Silo {entry.Silo} is already Dead in the membership table; restart it with a new generation.");
        }
    }

    private async Task TickAsync()
    {
        try
        {
            await RunOnceAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            RuntimeLog.MembershipRoundFailed(logger, e);
        }
    }
}

namespace Precision.Orleans.Runtime.Membership;

/// <summary>Heartbeats and failure detection.</summary>
public sealed record MembershipOptions
{
    /// <summary>How often a silo writes its heartbeat and re-reads the table. Default 2 s.</summary>
    public TimeSpan HeartbeatPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A silo whose last heartbeat is older than this many periods is suspected (and, failing its probe, declared
    /// Dead). Default 3, so a crashed silo is declared dead 6–8 s after its last heartbeat.
    /// </summary>
    public int MissedHeartbeatsBeforeSuspect { get; init; } = 3;

    /// <summary>Whether a suspect gets a direct probe before being declared Dead (only when it answers, it lives). Default true.</summary>
    public bool ProbeSuspects { get; init; } = true;

    /// <summary>How long a probe may take. Default 1 s.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan SuspectAfter => HeartbeatPeriod * MissedHeartbeatsBeforeSuspect;

    internal void Validate()
    {
        if (HeartbeatPeriod <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Membership HeartbeatPeriod must be positive, got {HeartbeatPeriod}.");
        }
        if (MissedHeartbeatsBeforeSuspect < 1)
        {
            throw new ArgumentException($"Membership MissedHeartbeatsBeforeSuspect must be at least 1, got {MissedHeartbeatsBeforeSuspect}.");
        }
    }
}

using Microsoft.Extensions.Logging;
using Precision.Orleans.Runtime.Directory;
using Precision.Orleans.Runtime.Membership;

namespace Precision.Orleans.Runtime;

/// <summary>The runtime's log events (source-generated: no formatting cost when the level is off).</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Silo {Silo} joined as Active with roles [{Roles}]")]
    public static partial void SiloActive(ILogger logger, SiloAddress silo, string roles);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Silo {Silo} stopped ({Reason})")]
    public static partial void SiloStopped(ILogger logger, SiloAddress silo, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Silo {Silo} was declared Dead by the cluster; it stops serving")]
    public static partial void DeclaredDead(ILogger logger, SiloAddress silo);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Silo {Suspect} missed heartbeats (last {LastHeartbeat:o}) and failed its probe: declared Dead, {Grains} directory entries removed")]
    public static partial void MarkedDead(ILogger logger, SiloAddress suspect, DateTimeOffset lastHeartbeat, int grains);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "Silo {Suspect} missed heartbeats but answered its probe; not declared dead")]
    public static partial void SuspectAnswered(ILogger logger, SiloAddress suspect);

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning, Message = "Membership round failed")]
    public static partial void MembershipRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 120, Level = LogLevel.Debug, Message = "Activated {Grain}")]
    public static partial void Activated(ILogger logger, GrainAddress grain);

    [LoggerMessage(EventId = 121, Level = LogLevel.Debug, Message = "Deactivated {Grain} ({Reason})")]
    public static partial void Deactivated(ILogger logger, GrainAddress grain, string reason);

    [LoggerMessage(EventId = 122, Level = LogLevel.Warning, Message = "{Callback} of {Grain} threw")]
    public static partial void LifecycleCallbackFailed(ILogger logger, string callback, GrainId grain, Exception exception);

    [LoggerMessage(EventId = 123, Level = LogLevel.Warning, Message = "One-way call {Grain}.{Method} failed")]
    public static partial void OneWayFailed(ILogger logger, GrainId grain, string method, Exception exception);

    [LoggerMessage(EventId = 124, Level = LogLevel.Warning, Message = "Idle collection failed")]
    public static partial void CollectionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 130, Level = LogLevel.Debug, Message = "Call {Grain}.{Method}: silo {Silo} unreachable, re-resolving")]
    public static partial void SiloUnreachable(ILogger logger, GrainId grain, string method, SiloAddress silo);
}

using Microsoft.Extensions.Logging;

namespace Precision.Orleans.Grains;

internal static partial class GrainsLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Prompt group {Group}: worker {Worker} failed (attempt {Attempt}), re-dispatching: {Reason}")]
    public static partial void Redispatch(ILogger logger, string group, string worker, int attempt, string reason);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Run {RunId}: learner {Action} at step {Step} (checkpoint {Checkpoint})")]
    public static partial void LearnerStarted(ILogger logger, string runId, string action, int step, int checkpoint);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Error, Message = "Run {RunId}: learner failed")]
    public static partial void LearnerFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Run {RunId} step {Step}: prompt group {Index} call failed, calling again: {Reason}")]
    public static partial void GroupRetry(ILogger logger, string runId, int step, int index, string reason);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Warning, Message = "Run {RunId}: announcing weight version {Version} failed (workers pull it with their next request): {Reason}")]
    public static partial void AnnounceFailed(ILogger logger, string runId, long version, string reason);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Warning, Message = "Run {RunId}: learner deactivated ({Reason}); it stops after the current step")]
    public static partial void LearnerDeactivated(ILogger logger, string runId, string reason);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "Silo {Silo}: RL start hook failed, retrying: {Reason}")]
    public static partial void HookRetry(ILogger logger, string silo, string reason);

    [LoggerMessage(EventId = 6008, Level = LogLevel.Error, Message = "Silo {Silo}: RL start gave up after {Attempts} attempts: {Reason}")]
    public static partial void HookGaveUp(ILogger logger, string silo, int attempts, string reason);

    [LoggerMessage(EventId = 6009, Level = LogLevel.Error, Message = "Silo {Silo}: could not start its RL start grain: {Reason}")]
    public static partial void HookFailed(ILogger logger, string silo, string reason);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Warning, Message = "Run {RunId}: sharded step failed, restarting from the last checkpoint ({Recovery} of {Attempts}): {ErrorType}: {Reason}")]
    public static partial void ShardedStepRecovering(ILogger logger, string runId, int recovery, int attempts, string errorType, string reason);
}

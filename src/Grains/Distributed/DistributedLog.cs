using Microsoft.Extensions.Logging;

namespace Precision.Orleans.Grains.Distributed;

internal static partial class DistributedLog
{
    [LoggerMessage(EventId = 6101, Level = LogLevel.Information,
        Message = "Run {RunId} step {Step}: loss scale {Scale} → {NextScale}, skipped {Skipped}, overflow in [{Holders}], grad norm {Norm}, clip {Clip}, version {Version}")]
    public static partial void Decision(ILogger logger, string runId, long step, float scale, float nextScale, bool skipped, string holders, float norm, float? clip, long version);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Warning,
        Message = "Run {RunId} step {Step}: gradient share {Share} failed on worker {Worker} (attempt {Attempt}), retrying it on worker {Next}: {ErrorType}: {Reason}")]
    public static partial void ShareRetry(ILogger logger, string runId, long step, int share, int worker, int attempt, int next, string errorType, string reason);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Warning,
        Message = "Run {RunId} version {Version}: old-log-prob share {Share} failed on worker {Worker} (attempt {Attempt}), retrying it on worker {Next}: {ErrorType}: {Reason}")]
    public static partial void LogProbShareRetry(ILogger logger, string runId, long version, int share, int worker, int attempt, int next, string errorType, string reason);
}

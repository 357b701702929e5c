using Microsoft.Extensions.Logging;

namespace Precision.Orleans.Grains.Distributed;

internal static partial class DistributedLog
{
    [LoggerMessage(EventId = 6101, Level = LogLevel.Information,
        Message = "Run {RunId} step {Step}: loss scale {Scale} → {NextScale}, skipped {Skipped}, overflow in [{Holders}], grad norm {Norm}, clip {Clip}, version {Version}")]
    public static partial void Decision(ILogger logger, string runId, long step, float scale, float nextScale, bool skipped, string holders, float norm, float? clip, long version);
}

using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Grains.State;
using Xunit;

namespace Precision.Orleans.Grains.Tests.Distributed;

/// <summary>The stored shard log stays bounded: past <see cref="ShardLogRecord.MaxEntries"/> the oldest entries go first.</summary>
public sealed class ShardLogRecordTests
{
    [Fact]
    public void The_log_keeps_the_newest_max_entries_in_order()
    {
        var record = new ShardLogRecord();
        int total = ShardLogRecord.MaxEntries + 5;
        for (int i = 0; i < total; i++) record.Append(new ShardLogEntry(0, i, true, 1024f, 1024f, i + 1, "", i + 1, "", Attempt: 1 + i / 1000));
        Assert.Equal(ShardLogRecord.MaxEntries, record.Entries.Count);
        Assert.Equal(Enumerable.Range(5, ShardLogRecord.MaxEntries).Select(i => (long)i), record.Entries.Select(e => e.Step));
    }
}

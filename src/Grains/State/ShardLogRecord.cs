using Precision.Orleans.Abstractions.Grains.Distributed;

namespace Precision.Orleans.Grains.State;

/// <summary>
/// A parameter shard's own log, durable (grain storage), so it outlives the shard's silo and the shard's
/// re-initializations: entries of every attempt, oldest first, the newest <see cref="MaxEntries"/> kept.
/// </summary>
[GenerateSerializer]
public sealed class ShardLogRecord
{
    /// <summary>
    /// The bound on the stored log: each step rewrites the whole record, so an unbounded log would make a long run's
    /// steps ever slower; a few thousand entries cover any test run and the recent history of a long one. Older entries
    /// are dropped first.
    /// </summary>
    public const int MaxEntries = 2048;

    [Id(0)] public List<ShardLogEntry> Entries { get; set; } = [];

    /// <summary>Appends <paramref name="entry"/>, dropping the oldest entries beyond <see cref="MaxEntries"/>.</summary>
    public void Append(ShardLogEntry entry)
    {
        Entries.Add(entry);
        if (Entries.Count > MaxEntries) Entries.RemoveRange(0, Entries.Count - MaxEntries);
    }
}

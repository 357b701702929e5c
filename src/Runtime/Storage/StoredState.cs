namespace Precision.Orleans.Runtime.Storage;

/// <summary>A stored grain-state document and its version (incremented by every write; the first write makes 1).</summary>
public sealed record StoredState(string Data, long Version);

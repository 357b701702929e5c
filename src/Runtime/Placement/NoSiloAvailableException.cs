namespace Precision.Orleans.Runtime.Placement;

/// <summary>No Active silo offers the role a grain class needs (within the call's deadline).</summary>
public sealed class NoSiloAvailableException(string message) : Exception(message);

namespace Precision.Orleans.Runtime.Messaging;

/// <summary>A grain call got no answer before its deadline; whether it ran is unknown.</summary>
public sealed class GrainCallTimeoutException(string message, Exception? inner = null) : TimeoutException(message, inner);

namespace Precision.Orleans.Runtime.Messaging;

/// <summary>
/// A grain method threw: <see cref="RemoteType"/> is the full name of the exception type thrown in the grain and
/// <see cref="RemoteMessage"/> its message. The message of this exception starts with the remote type name so that
/// logs show both.
/// </summary>
public sealed class GrainCallException(string remoteType, string remoteMessage, string grain, string method)
    : Exception($"{remoteType}: {remoteMessage} (in {grain}.{method})")
{
    public string RemoteType { get; } = remoteType;

    public string RemoteMessage { get; } = remoteMessage;
}

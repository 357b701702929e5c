using Precision.Orleans.Runtime.Directory;

namespace Precision.Orleans.Runtime.Messaging;

/// <summary>
/// The answer to a <see cref="GrainCallRequest"/>: an encoded result, a remote exception (type full name and message,
/// surfaced to the caller as <see cref="GrainCallException"/>), a redirect to the grain's registered activation, or a
/// rejection. Build with the static factories.
/// </summary>
public sealed record GrainCallResponse(
    GrainCallStatus Status,
    byte[] Result,
    string? ErrorType,
    string? ErrorMessage,
    GrainAddress? Redirect)
{
    public static GrainCallResponse Ok(byte[] result) => new(GrainCallStatus.Ok, result, null, null, null);

    public static GrainCallResponse Error(string errorType, string message) =>
        new(GrainCallStatus.Exception, [], errorType, message, null);

    public static GrainCallResponse Error(Exception exception) =>
        Error(exception.GetType().FullName ?? exception.GetType().Name, exception.Message);

    public static GrainCallResponse RedirectTo(GrainAddress address) =>
        new(GrainCallStatus.Redirect, [], null, null, address);

    public static GrainCallResponse Reject(string reason) =>
        new(GrainCallStatus.Rejected, [], null, reason, null);
}

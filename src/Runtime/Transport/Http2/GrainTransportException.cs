using System.Net;

namespace Precision.Orleans.Runtime.Transport.Http2;

/// <summary>
/// A call that did not reach a grain: the peer answered with a non-success HTTP status (not a grain error, which
/// travels inside a 200 response). 5xx and 429 are transient; 401 means the cluster tokens differ.
/// </summary>
public sealed class GrainTransportException(string target, HttpStatusCode statusCode, string detail)
    : Exception($"Grain call to {target} failed with HTTP {(int)statusCode} {statusCode}: {detail}")
{
    public string Target { get; } = target;

    public HttpStatusCode StatusCode { get; } = statusCode;

    /// <summary>Worth retrying (idempotent calls) and counted by the circuit breaker.</summary>
    public bool IsTransient => (int)StatusCode >= 500 || StatusCode == HttpStatusCode.TooManyRequests;
}

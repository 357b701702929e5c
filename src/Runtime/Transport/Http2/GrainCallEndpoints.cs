using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Precision.Orleans.Runtime.Messaging;

namespace Precision.Orleans.Runtime.Transport.Http2;

/// <summary>
/// The server side of <see cref="Http2GrainTransport"/>, mapped by the silo host:
/// <list type="bullet">
/// <item>POST /grain-call — body: a <see cref="GrainMessageCodec"/> request; answer 200 with an encoded response for
/// every grain outcome (result, grain exception, redirect, rejection), 400 for an undecodable body.</item>
/// <item>GET /healthz — 200 while the process runs (liveness).</item>
/// <item>GET /readyz — 200 while the silo serves calls, else 503 (readiness; also the failure detector's probe).</item>
/// </list>
/// All three sit behind <see cref="ClusterTokenMiddleware"/> (see <see cref="UseClusterToken"/>).
/// </summary>
public static class GrainCallEndpoints
{
    public const string CallPath = "/grain-call";
    public const string HealthPath = "/healthz";
    public const string ReadyPath = "/readyz";

    /// <summary>Adds the token check in front of everything mapped after it.</summary>
    public static IApplicationBuilder UseClusterToken(this IApplicationBuilder app, ClusterToken token) =>
        app.UseMiddleware<ClusterTokenMiddleware>(token);

    /// <param name="endpoints">The silo host's route builder (a WebApplication).</param>
    /// <param name="handler">Resolved per request: the silo may not exist yet when the endpoints are mapped.</param>
    public static IEndpointRouteBuilder MapGrainCalls(this IEndpointRouteBuilder endpoints, Func<IGrainCallHandler?> handler)
    {
        endpoints.MapPost(CallPath, (HttpContext context) => HandleCallAsync(context, handler()));
        endpoints.MapGet(HealthPath, () => Results.Text("ok"));
        endpoints.MapGet(ReadyPath, () => handler()?.IsServing == true
            ? Results.Text("ready")
            : Results.Text("not serving", statusCode: StatusCodes.Status503ServiceUnavailable));
        return endpoints;
    }

    private static async Task HandleCallAsync(HttpContext context, IGrainCallHandler? handler)
    {
        if (handler is null)
        {
            // Not started yet: the call certainly did not run, and 503 tells the caller it may go elsewhere.
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        GrainCallRequest request;
        try
        {
            var body = await ReadBodyAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
            request = GrainMessageCodec.DecodeRequest(body);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync($"Undecodable grain call request: {e.Message}", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var response = await handler.HandleAsync(request, context.RequestAborted).ConfigureAwait(false);
        var encoded = GrainMessageCodec.EncodeResponse(response);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = Http2GrainTransport.ContentType;
        context.Response.ContentLength = encoded.Length;
        await context.Response.Body.WriteAsync(encoded, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        // Content-Length is set by our client; read straight into one buffer instead of growing a stream.
        if (request.ContentLength is { } length and <= int.MaxValue)
        {
            var buffer = new byte[length];
            await request.Body.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer;
        }

        using var stream = new MemoryStream();
        await request.Body.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
        return stream.ToArray();
    }
}

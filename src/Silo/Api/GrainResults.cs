using Microsoft.AspNetCore.Http;
using Precision.Orleans.Abstractions.Grains;
using Precision.Orleans.Runtime.Messaging;
using Precision.Orleans.Runtime.Placement;

namespace Precision.Orleans.SiloHost.Api;

/// <summary>
/// Turns grain-call outcomes into HTTP answers with a reason a person can act on: a refused spec or argument is
/// 400 with the grain's message (e.g. the validator naming the key), a conflicting request 409, an unknown key 404, no silo able to host
/// the grain 503, a call past its deadline 504, and any other grain failure 502 naming the remote exception.
/// </summary>
internal static class GrainResults
{
    public static async Task<IResult> Guard(Func<IGrainFactory?> grains, Func<IGrainFactory, Task<IResult>> action)
    {
        if (grains() is not { } factory)
        {
            return Results.Text("This silo is not serving yet.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        try
        {
            return await action(factory).ConfigureAwait(false);
        }
        catch (GrainCallException e) when (IsRefusal(e.RemoteType))
        {
            return Results.Text(e.RemoteMessage, statusCode: StatusCodes.Status400BadRequest);
        }
        catch (GrainCallException e) when (e.RemoteType == typeof(InvalidOperationException).FullName)
        {
            return Results.Text(e.RemoteMessage, statusCode: StatusCodes.Status409Conflict);
        }
        catch (GrainCallException e) when (e.RemoteType == typeof(KeyNotFoundException).FullName)
        {
            return Results.Text(e.RemoteMessage, statusCode: StatusCodes.Status404NotFound);
        }
        catch (GrainCallException e)
        {
            return Results.Text($"The grain call failed: {e.Message}", statusCode: StatusCodes.Status502BadGateway);
        }
        catch (NoSiloAvailableException e)
        {
            return Results.Text(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        catch (GrainCallTimeoutException e)
        {
            return Results.Text(e.Message, statusCode: StatusCodes.Status504GatewayTimeout);
        }
    }

    /// <summary>Exceptions that mean "your input is wrong": the run spec's own, and the argument family.</summary>
    private static bool IsRefusal(string remoteType) =>
        remoteType.EndsWith(".RunSpecException", StringComparison.Ordinal)
        || remoteType is "System.ArgumentException" or "System.ArgumentOutOfRangeException" or "System.ArgumentNullException" or "System.FormatException";
}

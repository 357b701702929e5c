using Microsoft.AspNetCore.Http;

namespace Precision.Orleans.SiloHost.Api;

/// <summary>
/// Turns grain-call outcomes into HTTP answers with a reason a person can act on: a refused spec or argument is
/// 400 with the grain's message (e.g. the validator naming the key), a conflicting request 409, an unknown key 404, no
/// silo able to host the grain 503, a call past its deadline 504.
/// </summary>
internal static class GrainResults
{
    public static async Task<IResult> Guard(IGrainFactory grains, Func<IGrainFactory, Task<IResult>> action)
    {
        try
        {
            return await action(grains);
        }
        catch (ArgumentException e)
        {
            return Results.Text(e.Message, statusCode: StatusCodes.Status400BadRequest);
        }
        catch (InvalidOperationException e)
        {
            return Results.Text(e.Message, statusCode: StatusCodes.Status409Conflict);
        }
        catch (KeyNotFoundException e)
        {
            return Results.Text(e.Message, statusCode: StatusCodes.Status404NotFound);
        }
        catch (TimeoutException e)
        {
            return Results.Text(e.Message, statusCode: StatusCodes.Status504GatewayTimeout);
        }
        catch (OrleansException e)
        {
            return Results.Text(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}

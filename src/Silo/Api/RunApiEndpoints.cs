using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Precision.Orleans.Grains.Reports;
using Precision.Orleans.Abstractions.Grains.Rl;

namespace Precision.Orleans.SiloHost.Api;

/// <summary>
/// The runs API every silo's web port serves (behind its login), a thin HTTP face of
/// <see cref="IRunGrain"/> and <see cref="IRunRegistryGrain"/>:
/// <list type="bullet">
/// <item>POST /api/runs[?id=ID] — body: the YAML run spec → 201 with the run's status; 400 with the validator's
/// reason for a bad spec.</item>
/// <item>GET /api/runs — every run's status. GET /api/runs/{id} — one run's status (404 for an unknown id).</item>
/// <item>GET /api/runs/{id}/metrics?from=N[&amp;format=csv] — trained steps ≥ N as JSON rows or CSV.</item>
/// <item>POST /api/runs/{id}/cancel — stops the run after its current step; answers the status.</item>
/// <item>GET /api/runs/{id}/report — the HTML report with SVG curves.</item>
/// </list>
/// </summary>
public static class RunApiEndpoints
{
    public const string RunsPath = "/api/runs";

    /// <summary>The largest spec body accepted; specs are a few hundred bytes.</summary>
    public const int MaxSpecBytes = 1 << 20;

    public static IEndpointRouteBuilder MapRunApi(this IEndpointRouteBuilder endpoints, IGrainFactory grains)
    {
        endpoints.MapPost(RunsPath, (HttpRequest request) => GrainResults.Guard(grains, g => SubmitAsync(request, g)));
        endpoints.MapGet(RunsPath, () => GrainResults.Guard(grains, async g =>
            Json(await Registry(g).List())));
        endpoints.MapGet(RunsPath + "/{id}", (string id) => GrainResults.Guard(grains, g => WithRunAsync(g, id, async run =>
            Json(await run.GetStatus()))));
        endpoints.MapGet(RunsPath + "/{id}/metrics", (string id, int? from, string? format) => GrainResults.Guard(grains, g => WithRunAsync(g, id, async run =>
        {
            var rows = await run.GetMetrics(from ?? 0);
            return format switch
            {
                null or "json" => Json(rows),
                "csv" => Results.Text(IterationCsv.Write(rows), "text/csv; charset=utf-8"),
                _ => Results.Text($"format must be json or csv, got '{format}'.", statusCode: StatusCodes.Status400BadRequest),
            };
        })));
        endpoints.MapPost(RunsPath + "/{id}/cancel", (string id) => GrainResults.Guard(grains, g => WithRunAsync(g, id, async run =>
        {
            await run.Cancel();
            return Json(await run.GetStatus());
        })));
        endpoints.MapGet(RunsPath + "/{id}/report", (string id) => GrainResults.Guard(grains, g => WithRunAsync(g, id, async run =>
        {
            var status = await run.GetStatus();
            var rows = await run.GetMetrics(0);
            return Results.Content(RunReportPage.Render(status, rows), "text/html; charset=utf-8");
        })));
        return endpoints;
    }

    private static async Task<IResult> SubmitAsync(HttpRequest request, IGrainFactory grains)
    {
        var spec = await ReadSpecAsync(request);
        if (spec is null)
        {
            return Results.Text($"The run spec body is larger than {MaxSpecBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        if (string.IsNullOrWhiteSpace(spec))
        {
            return Results.Text("The request body is empty: POST the YAML run spec.", statusCode: StatusCodes.Status400BadRequest);
        }
        var id = request.Query["id"].ToString();
        if (id.Length == 0)
        {
            id = RunIds.FromSpec(spec, DateTimeOffset.UtcNow);
        }
        else if (!RunIds.IsValid(id))
        {
            return Results.Text($"Run id '{id}' is not valid: use 1–{RunIds.MaxLength} characters of letters, digits, '.', '_' and '-'.", statusCode: StatusCodes.Status400BadRequest);
        }
        var status = await grains.GetGrain<IRunGrain>(id).Submit(spec);
        return Results.Json(status, SiloApiJson.Options, statusCode: StatusCodes.Status201Created);
    }

    /// <returns>The body as text, or null when it exceeds <see cref="MaxSpecBytes"/>.</returns>
    private static async Task<string?> ReadSpecAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxSpecBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Runs <paramref name="action"/> on a registered run, or answers 404 naming the id.</summary>
    private static async Task<IResult> WithRunAsync(IGrainFactory grains, string id, Func<IRunGrain, Task<IResult>> action)
    {
        var runs = await Registry(grains).List();
        if (!runs.Any(r => r.RunId == id))
        {
            return Results.Text($"No run '{id}' in this cluster (GET {RunsPath} lists them).", statusCode: StatusCodes.Status404NotFound);
        }
        return await action(grains.GetGrain<IRunGrain>(id));
    }

    private static IRunRegistryGrain Registry(IGrainFactory grains) => grains.GetGrain<IRunRegistryGrain>(IRunRegistryGrain.Key);

    private static IResult Json<T>(T value) => Results.Json(value, SiloApiJson.Options);
}

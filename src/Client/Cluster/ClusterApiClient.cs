using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Precision.Orleans.Abstractions.Grains.Rl;

namespace Precision.Orleans.Client.Cluster;

/// <summary>
/// The runs API of a silo over HTTP/2 (cleartext with prior knowledge for http://, ALPN for https://), with every
/// failure turned into a <see cref="ClusterException"/> saying what to do: 401 → the cluster refused the token;
/// connection refused / DNS / timeout → the silo cannot be reached; 400 → the server's reason (e.g. the spec
/// validator naming the key); 404 → no such run.
/// </summary>
public sealed class ClusterApiClient : IRunSource, IDisposable
{
    private readonly HttpClient _http;
    private readonly ClusterTarget _target;

    public ClusterApiClient(ClusterTarget target, TimeSpan? timeout = null)
    {
        _target = target;
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            BaseAddress = target.Address,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = timeout ?? TimeSpan.FromSeconds(60),
        };
        _http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + target.Token);
    }

    public async Task<RunStatus> SubmitAsync(string specYaml, string? runId, CancellationToken cancellationToken = default)
    {
        var path = "api/runs" + (runId is null ? "" : "?id=" + Uri.EscapeDataString(runId));
        using var content = new StringContent(specYaml, Encoding.UTF8, "application/yaml");
        return await ReadJsonAsync<RunStatus>(HttpMethod.Post, path, content, "The run spec was refused", cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<RunStatus>> ListAsync(CancellationToken cancellationToken = default) =>
        ReadJsonAsync<IReadOnlyList<RunStatus>>(HttpMethod.Get, "api/runs", null, "The list was refused", cancellationToken);

    public Task<RunStatus> StatusAsync(string runId, CancellationToken cancellationToken = default) =>
        ReadJsonAsync<RunStatus>(HttpMethod.Get, Run(runId), null, "The status request was refused", cancellationToken);

    public Task<IReadOnlyList<IterationRecord>> MetricsAsync(string runId, int fromStep, CancellationToken cancellationToken = default) =>
        ReadJsonAsync<IReadOnlyList<IterationRecord>>(HttpMethod.Get, $"{Run(runId)}/metrics?from={fromStep}", null, "The metrics request was refused", cancellationToken);

    public Task<string> MetricsCsvAsync(string runId, int fromStep, CancellationToken cancellationToken = default) =>
        ReadTextAsync(HttpMethod.Get, $"{Run(runId)}/metrics?from={fromStep}&format=csv", "The metrics request was refused", cancellationToken);

    public Task<string> ReportHtmlAsync(string runId, CancellationToken cancellationToken = default) =>
        ReadTextAsync(HttpMethod.Get, $"{Run(runId)}/report", "The report request was refused", cancellationToken);

    public Task<RunStatus> CancelAsync(string runId, CancellationToken cancellationToken = default) =>
        ReadJsonAsync<RunStatus>(HttpMethod.Post, $"{Run(runId)}/cancel", null, "The cancel was refused", cancellationToken);

    public void Dispose() => _http.Dispose();

    private static string Run(string runId) => "api/runs/" + Uri.EscapeDataString(runId);

    private async Task<T> ReadJsonAsync<T>(HttpMethod method, string path, HttpContent? content, string refusal, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, path, content, refusal, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<T>(ClusterJson.Options, cancellationToken).ConfigureAwait(false)
            ?? throw new ClusterException($"The silo at {_target.Address} answered {path} with an empty body.");
    }

    private async Task<string> ReadTextAsync(HttpMethod method, string path, string refusal, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, path, null, refusal, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, string refusal, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            // A hand-made request does not take the client's default version: ask for HTTP/2 explicitly.
            using var request = new HttpRequestMessage(method, path)
            {
                Content = content,
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            var why = e.InnerException is SocketException socket ? socket.Message : e.Message;
            throw new ClusterException($"Cannot reach the silo at {_target.Address}: {why}. Is the address right and the silo running?", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ClusterException($"The silo at {_target.Address} did not answer {method} /{path} within {_http.Timeout.TotalSeconds:0} s.", e);
        }
        if (response.IsSuccessStatusCode)
        {
            return response;
        }
        using (response)
        {
            var body = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
            throw response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => new ClusterException($"The cluster refused the token (401 from {_target.Address}): check --token or {ClusterTarget.TokenVariable}."),
                HttpStatusCode.BadRequest => new ClusterException($"{refusal}: {body}"),
                HttpStatusCode.NotFound => new ClusterException(body.Length > 0 ? body : $"Not found: /{path} on {_target.Address}."),
                var code => new ClusterException($"The silo at {_target.Address} answered {(int)code} {response.ReasonPhrase} to {method} /{path}{(body.Length > 0 ? ": " + body : "")}."),
            };
        }
    }
}

using System.Net;
using System.Text;
using Xunit;

namespace Precision.Orleans.Client.Tests.Api;

/// <summary>Every endpoint of the silo refuses a request without the cluster token, or with a wrong one (401).</summary>
public sealed class ClusterTokenTests
{
    public static readonly TheoryData<string, string> Endpoints = new()
    {
        { "POST", "/grain-call" },
        { "GET", "/healthz" },
        { "GET", "/readyz" },
        { "POST", "/api/runs" },
        { "GET", "/api/runs" },
        { "GET", "/api/runs/r" },
        { "GET", "/api/runs/r/metrics?format=csv" },
        { "POST", "/api/runs/r/cancel" },
        { "GET", "/api/runs/r/report" },
        { "GET", "/api/cluster" },
        { "GET", "/api/silo" },
        { "GET", "/dashboard" },
        { "GET", "/no-such-path" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Refused_without_the_token_and_with_a_wrong_one(string method, string path)
    {
        await using var silo = await ApiSilo.StartAsync();
        foreach (var token in new[] { null, "wrong-token-of-enough-length" })
        {
            using var http = silo.Client(token);
            using var request = new HttpRequestMessage(new HttpMethod(method), path)
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            if (method == "POST")
            {
                request.Content = new StringContent(silo.ValidSpec(), Encoding.UTF8, "application/yaml");
            }
            var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            var body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("api-test", body, StringComparison.Ordinal);
        }
        Assert.Empty(silo.Book.Runs);
    }

    [Fact]
    public async Task The_same_endpoints_answer_with_the_token()
    {
        await using var silo = await ApiSilo.StartAsync();
        using var http = silo.Client();
        foreach (var path in new[] { "/healthz", "/readyz", "/api/runs", "/api/cluster", "/api/silo", "/dashboard" })
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(path)).StatusCode);
        }
    }
}

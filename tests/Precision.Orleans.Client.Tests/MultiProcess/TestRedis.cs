using System.Diagnostics;

namespace Precision.Orleans.Client.Tests.MultiProcess;

/// <summary>
/// The password-protected redis-server of the multi-process tests: the one ./test.sh started (PRECISION_TEST_REDIS,
/// PRECISION_TEST_REDIS_URL), or else one this process starts with scripts/test-redis.sh and stops when done.
/// </summary>
public sealed class TestRedis : IDisposable
{
    private readonly string? _ownDirectory;

    private TestRedis(string configuration, string url, string? ownDirectory)
    {
        Configuration = configuration;
        Url = url;
        _ownDirectory = ownDirectory;
    }

    /// <summary>StackExchange.Redis configuration with the password (the silos' Silo:Redis).</summary>
    public string Configuration { get; }

    /// <summary>redis://:PASSWORD@127.0.0.1:PORT (the console's --cluster).</summary>
    public string Url { get; }

    /// <summary>The same server's URL with a wrong password.</summary>
    public string UrlWithWrongPassword => System.Text.RegularExpressions.Regex.Replace(Url, "//:[^@]*@", "//:not-the-password@");

    public static TestRedis Start()
    {
        if (Environment.GetEnvironmentVariable("PRECISION_TEST_REDIS") is { Length: > 0 } config
            && Environment.GetEnvironmentVariable("PRECISION_TEST_REDIS_URL") is { Length: > 0 } url)
            return new TestRedis(config, url, null);
        var output = RunScript("start");
        string Value(string key) => output.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith(key + "=", StringComparison.Ordinal))[(key.Length + 1)..];
        return new TestRedis(Value("PRECISION_TEST_REDIS"), Value("PRECISION_TEST_REDIS_URL"), Value("PRECISION_TEST_REDIS_DIR"));
    }

    public void Dispose()
    {
        if (_ownDirectory is not null) RunScript("stop", _ownDirectory);
    }

    private static string RunScript(params string[] args)
    {
        var info = new ProcessStartInfo(Path.Combine(RepositoryRoot(), "scripts", "test-redis.sh")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        string stdout = process.StandardOutput.ReadToEnd(), stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"scripts/test-redis.sh {string.Join(' ', args)} failed ({process.ExitCode}): {stderr}");
        return stdout;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "test-redis.sh"))) return dir.FullName;
        throw new DirectoryNotFoundException("scripts/test-redis.sh not found above " + AppContext.BaseDirectory);
    }
}

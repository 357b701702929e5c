using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Precision.Orleans.Runtime.Tests.Cluster;

/// <summary>
/// A silo host PROCESS (dotnet Precision.Orleans.Silo.dll) on a free loopback port, for the multi-process tests.
/// <see cref="Kill"/> is SIGKILL: no graceful leave, the cluster must notice by itself.
/// </summary>
internal sealed partial class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SiloProcess(Process process, string siloId)
    {
        _process = process;
        SiloId = siloId;
    }

    public string SiloId { get; }

    public string Endpoint { get; private set; } = "";

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the silo and waits for its "ready at" line.</summary>
    public static async Task<SiloProcess> StartAsync(string siloId, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(SiloDll);
        info.ArgumentList.Add("--silo-id");
        info.ArgumentList.Add(siloId);
        info.ArgumentList.Add("--listen");
        info.ArgumentList.Add("127.0.0.1");
        info.ArgumentList.Add("--port");
        info.ArgumentList.Add("0");
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        var silo = new SiloProcess(process, siloId);
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            silo.Append(e.Data);
            if (ReadyLine().Match(e.Data) is { Success: true } match)
            {
                ready.TrySetResult(match.Groups[1].Value);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                silo.Append(e.Data);
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"silo {siloId} exited early"));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            silo.Endpoint = await ready.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(90));
        }
        catch (Exception e)
        {
            await silo.DisposeAsync();
            throw new InvalidOperationException($"Silo {siloId} did not become ready ({e.Message}). Its output:\n{silo.Output}", e);
        }

        return silo;
    }

    /// <summary>SIGKILL.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            _process.WaitForExit(10_000);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await Task.Yield();
        _process.Dispose();
    }

    /// <summary>The silo host built next to this test assembly (a project reference of the test project).</summary>
    private static string SiloDll
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "Precision.Orleans.Silo.dll");
            return File.Exists(path) && File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json"))
                ? path
                : throw new FileNotFoundException($"The silo host is not built next to the tests: {path} (or its runtimeconfig.json) is missing.");
        }
    }

    private void Append(string line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    [GeneratedRegex(@"^silo \S+ ready at (\S+) generation")]
    private static partial Regex ReadyLine();
}

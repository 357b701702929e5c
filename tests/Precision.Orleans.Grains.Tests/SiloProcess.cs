using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Precision.Orleans.Grains.Tests;

/// <summary>A silo host PROCESS (Precision.Orleans.Silo.dll) on a free loopback port; <see cref="Kill"/> is SIGKILL.</summary>
internal sealed partial class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SiloProcess(Process process) => _process = process;

    /// <summary>The silo's advertised endpoint (http://127.0.0.1:port).</summary>
    public string Endpoint { get; private set; } = "";

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public static async Task<SiloProcess> StartAsync(string siloId, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var dll = Path.Combine(AppContext.BaseDirectory, "Precision.Orleans.Silo.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"the silo host is not built next to the tests: {dll}");
        foreach (var a in (string[])[dll, "--silo-id", siloId, "--listen", "127.0.0.1", "--port", "0", .. arguments]) info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        var silo = new SiloProcess(process);
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            silo.Append(e.Data);
            if (ReadyLine().Match(e.Data) is { Success: true } match) ready.TrySetResult(match.Groups[1].Value);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) silo.Append(e.Data);
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"silo {siloId} exited early"));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            silo.Endpoint = await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (Exception e)
        {
            await silo.DisposeAsync();
            throw new InvalidOperationException($"silo {siloId} did not become ready ({e.Message}). Its output:\n{silo.Output}", e);
        }
        return silo;
    }

    /// <summary>SIGKILL: no deactivation, no leave; the cluster must notice by itself.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            _process.WaitForExit(10_000);
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Append(string line)
    {
        lock (_output) _output.AppendLine(line);
    }

    [GeneratedRegex(@"^silo \S+ ready at (\S+) generation")]
    private static partial Regex ReadyLine();
}

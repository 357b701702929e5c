using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Precision.Orleans.Client.Tests.MultiProcess;

/// <summary>A silo host PROCESS (Precision.Orleans.Silo.dll) on free loopback ports; <see cref="Kill"/> is SIGKILL.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SiloProcess(Process process, string name, int webPort, int siloPort)
    {
        _process = process;
        Name = name;
        WebPort = webPort;
        SiloPort = siloPort;
    }

    public string Name { get; }

    /// <summary>The web app's port (0: none).</summary>
    public int WebPort { get; }

    /// <summary>The silo-to-silo port (the port of the silo's address in the membership).</summary>
    public int SiloPort { get; }

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>Starts the process and waits for its "active" line (the silo joined the cluster).</summary>
    public static async Task<SiloProcess> StartAsync(string name, IReadOnlyDictionary<string, string> options, bool web = false, TimeSpan? activeWithin = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Precision.Orleans.Silo.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"the silo host is not built next to the tests: {dll}");
        int webPort = web ? FreePort() : 0;
        var all = new Dictionary<string, string>(options)
        {
            ["Name"] = name,
            ["GatewayPort"] = FreePort().ToString(),
            ["WebPort"] = webPort.ToString(),
        };
        // A caller may choose the silo port (placement orders silos by address); else a free one.
        all.TryAdd("SiloPort", FreePort().ToString());
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var (key, value) in all)
        {
            info.ArgumentList.Add($"--Silo:{key}");
            info.ArgumentList.Add(value);
        }
        info.Environment["PRECISION_Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        var silo = new SiloProcess(process, name, webPort, int.Parse(all["SiloPort"], System.Globalization.CultureInfo.InvariantCulture));
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            silo.Append(e.Data);
            if (e.Data.StartsWith($"precision silo {name} active", StringComparison.Ordinal)) ready.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) silo.Append(e.Data);
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"silo {name} exited early"));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(activeWithin ?? TimeSpan.FromSeconds(90));
        }
        catch (Exception e)
        {
            await silo.DisposeAsync();
            throw new InvalidOperationException($"silo {name} did not become active ({e.Message}). Its output:\n{silo.Output}", e);
        }
        return silo;
    }

    /// <summary>SIGKILL: no deactivation, no goodbye to the membership; the cluster must notice by itself.</summary>
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

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string line)
    {
        lock (_output) _output.AppendLine(line);
    }
}

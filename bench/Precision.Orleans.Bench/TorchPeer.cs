using System.Diagnostics;
using System.Text.Json;

namespace Precision.Orleans.Bench;

/// <summary>Runs one of the PyTorch peer scripts with Debian's python3 and reads its JSON line.</summary>
internal static class TorchPeer
{
    public static string Python => Environment.GetEnvironmentVariable("PRECISION_PYTHON") is { Length: > 0 } p ? p : "/usr/bin/python3";

    /// <summary>The parsed JSON result, or null (with the reason printed) when the peer cannot run.</summary>
    public static JsonElement? Run(string script, params string[] arguments)
    {
        string path = Path.Combine(AppContext.BaseDirectory, script);
        if (!File.Exists(path))
        {
            Console.WriteLine($"peer script {path} missing");
            return null;
        }
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(path);
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi) ?? throw new InvalidOperationException("process did not start");
            var stderr = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                Console.WriteLine($"peer {script} failed (exit {p.ExitCode}): {stderr.Result.Trim()}");
                return null;
            }
            string line = stdout.Trim().Split('\n').Last();
            return JsonDocument.Parse(line).RootElement.Clone();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or JsonException or InvalidOperationException)
        {
            Console.WriteLine($"peer {script} could not run with {Python}: {e.Message} (bench/run.sh installs python3-torch)");
            return null;
        }
    }
}

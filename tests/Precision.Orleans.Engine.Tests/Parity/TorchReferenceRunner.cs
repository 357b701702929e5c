using System.ComponentModel;
using System.Diagnostics;

namespace Precision.Orleans.Engine.Tests.Parity;

/// <summary>Runs Reference/torch_reference.py on prepared case directories, failing loudly (never skipping) when it cannot.</summary>
public static class TorchReferenceRunner
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary>PRECISION_PYTHON, else Debian's /usr/bin/python3 (which has python3-torch), not a pyenv python on PATH.</summary>
    public static string Python =>
        Environment.GetEnvironmentVariable("PRECISION_PYTHON") is { Length: > 0 } p ? p : "/usr/bin/python3";

    public static string Script => Path.Combine(AppContext.BaseDirectory, "Reference", "torch_reference.py");

    /// <summary>Runs the script with <paramref name="arguments"/> (case directories, or --decode-safetensors pairs).</summary>
    public static void Run(IEnumerable<string> arguments)
    {
        if (!File.Exists(Script)) throw new InvalidOperationException($"reference script '{Script}' is missing from the test output");
        var psi = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Script);
        foreach (string a in arguments) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "1";

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start '{Python}'");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"PyTorch parity needs python with torch: could not run '{Python}' ({e.Message}). " +
                "Install Debian's python3-torch and python3-numpy, or point PRECISION_PYTHON at a python that has torch.", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"torch_reference.py did not finish within {Timeout.TotalSeconds:0} s");
            }
            process.WaitForExit();
            string err = stderr.Result;
            if (process.ExitCode == 0) return;
            if (err.Contains("No module named 'torch'", StringComparison.Ordinal) || err.Contains("No module named 'numpy'", StringComparison.Ordinal))
                throw new InvalidOperationException(
                    $"PyTorch parity needs torch and numpy, and '{Python}' lacks them. Install python3-torch python3-numpy " +
                    $"(apt) or set PRECISION_PYTHON to a python that has them.\n{err}");
            throw new InvalidOperationException($"torch_reference.py failed (exit {process.ExitCode}) with '{Python}':\n{err}\n{stdout.Result}");
        }
    }
}

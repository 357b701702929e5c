using System.Diagnostics;

namespace Precision.Orleans.Console.Tests;

/// <summary>The real <c>precision</c> executable (this project's output holds it), run as a user runs it.</summary>
internal static class PrecisionProcess
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "precision.dll");

    /// <summary>Starts <c>dotnet precision.dll args</c> in <paramref name="workingDirectory"/> with stdout/stderr redirected.</summary>
    public static Process Start(string workingDirectory, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(Dll);
        foreach (string a in args) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    /// <summary>Runs to completion (killed after <paramref name="timeout"/>); exit code, stdout, stderr and wall time.</summary>
    public static Result Run(string workingDirectory, IEnumerable<string> args, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        using var p = Start(workingDirectory, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return new Result(-1, stdout.Result, stderr.Result, clock.Elapsed, TimedOut: true);
        }
        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result, clock.Elapsed);
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed, bool TimedOut = false);
}

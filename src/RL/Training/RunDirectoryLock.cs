using System.Globalization;
using Precision.Orleans.Engine.Checkpoints;

namespace Precision.Orleans.RL.Training;

/// <summary>
/// The exclusive claim of one process on a run directory for the lifetime of a run: an OS file lock on
/// <c>run.lock</c> (opened with <see cref="FileShare.None"/>, which the OS drops when the process dies, however it
/// dies) and, beside it, <c>run.lock.owner</c> naming the owner's pid, host and start time for the refusal message.
/// Two trainers writing one directory would interleave metrics rows and checkpoints.
/// </summary>
public sealed class RunDirectoryLock : IDisposable
{
    public const string FileName = "run.lock";
    public const string OwnerFileName = "run.lock.owner";

    private readonly FileStream _lock;

    private RunDirectoryLock(FileStream held) => _lock = held;

    /// <summary>
    /// Takes the run directory (creating it). Another live process holding it throws <see cref="IOException"/>
    /// naming that owner.
    /// </summary>
    public static RunDirectoryLock Acquire(string runDirectory)
    {
        Directory.CreateDirectory(runDirectory);
        string path = Path.Combine(runDirectory, FileName);
        FileStream held;
        try
        {
            held = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException)
        {
            throw new RunDirectoryInUseException(
                $"run directory '{runDirectory}' is in use by {DescribeOwner(runDirectory)}; wait for it to finish, stop it, or choose another --out", e);
        }
        AtomicFile.WriteAllText(Path.Combine(runDirectory, OwnerFileName), string.Create(CultureInfo.InvariantCulture,
            $"pid {Environment.ProcessId} on host {Environment.MachineName} since {DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ}\n"));
        return new RunDirectoryLock(held);
    }

    private static string DescribeOwner(string runDirectory)
    {
        try
        {
            return "precision " + File.ReadAllText(Path.Combine(runDirectory, OwnerFileName)).Trim();
        }
        catch (IOException)
        {
            return "another process";
        }
    }

    public void Dispose() => _lock.Dispose();
}

/// <summary>The run directory is held by another live process (<see cref="RunDirectoryLock"/>).</summary>
public sealed class RunDirectoryInUseException(string message, Exception inner) : IOException(message, inner);

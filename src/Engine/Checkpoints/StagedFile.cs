namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>
/// A file written under a temporary name in its final directory, then flushed to disk and renamed
/// over the final name. Until <see cref="Commit"/> the final name is untouched, so a crash or an
/// exception mid-write never leaves a half-written file there; disposing an uncommitted staged file
/// deletes the temporary.
/// </summary>
internal sealed class StagedFile : IDisposable
{
    private FileStream? _stream;
    private bool _committed;

    public string FinalPath { get; }
    public string TempPath { get; }

    private StagedFile(string finalPath)
    {
        FinalPath = System.IO.Path.GetFullPath(finalPath);
        string dir = System.IO.Path.GetDirectoryName(FinalPath)!;
        // Same directory as the target: the final rename stays on one file system, hence atomic.
        TempPath = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(FinalPath)}.{Guid.NewGuid():N}.tmp");
        _stream = new FileStream(TempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
    }

    public static StagedFile Create(string finalPath) => new(finalPath);

    public Stream Stream => _stream ?? throw new InvalidOperationException($"staged file for '{FinalPath}' is already sealed");

    /// <summary>Flushes the bytes through the OS cache to the disk and closes the temporary.</summary>
    public void Seal()
    {
        if (_stream is null) return;
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        _stream = null;
    }

    /// <summary>Atomically replaces the final file with the complete temporary.</summary>
    public void Commit()
    {
        Seal();
        File.Move(TempPath, FinalPath, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
        if (!_committed)
        {
            try
            {
                File.Delete(TempPath);
            }
            catch (IOException)
            {
                // Best effort: a leftover hidden .tmp never shadows the real checkpoint files.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}

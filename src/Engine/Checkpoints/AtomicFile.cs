using System.Text;

namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>
/// Whole-file writes that a reader sees either as the old file or as the complete new one, never half:
/// the bytes go to a hidden temporary in the same directory (<see cref="StagedFile"/>), are flushed to
/// disk, and the temporary is renamed over the target. Metrics, manifests, problem sets and reports use it.
/// </summary>
public static class AtomicFile
{
    private static readonly UTF8Encoding Utf8NoBom = new(false);

    /// <summary>Writes through a stream; the target is replaced only if <paramref name="write"/> returns.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        using var staged = StagedFile.Create(path);
        write(staged.Stream);
        staged.Commit();
    }

    /// <summary>Writes UTF-8 text (no BOM) through a writer.</summary>
    public static void WriteText(string path, Action<TextWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, Utf8NoBom, 1 << 16, leaveOpen: true);
            write(writer);
        });
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no BOM).</summary>
    public static void WriteAllText(string path, string text) => WriteText(path, w => w.Write(text));
}

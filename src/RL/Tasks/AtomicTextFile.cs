using System.Text;

namespace Precision.Orleans.RL.Tasks;

/// <summary>
/// Writes a text file atomically: into a hidden temporary in the same directory, flushed to disk, then
/// renamed over the final name, so a reader sees the old file or the complete new one, never a half.
/// (The engine's StagedFile does the same but is internal to the engine.)
/// </summary>
public static class AtomicTextFile
{
    public static void Write(string path, Action<TextWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                using (var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true))
                    write(writer);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public static void Write(string path, string text) => Write(path, w => w.Write(text));
}

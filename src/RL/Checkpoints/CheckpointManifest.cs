using Precision.Orleans.Engine.Checkpoints;
using System.Security.Cryptography;
using System.Text.Json;

namespace Precision.Orleans.RL.Checkpoints;

/// <summary><c>manifest.json</c> of a trainer checkpoint: the SHA-256 of every other file, written last.</summary>
internal static class CheckpointManifest
{
    public const string FileName = "manifest.json";

    /// <param name="known">SHA-256 of files already hashed by their writers (a sharded checkpoint's slices, hashed by the
    /// parameter shards that wrote them): taken as given rather than read again.</param>
    public static void Write(string directory, IReadOnlyDictionary<string, string>? known = null)
    {
        var files = Directory.GetFiles(directory).Select(Path.GetFileName).Where(n => n != FileName).Order(StringComparer.Ordinal)
            .ToDictionary(n => n!, n => known is not null && known.TryGetValue(n!, out string? sha) ? sha : Sha256(Path.Combine(directory, n!)));
        AtomicFile.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(new { files }, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Checks every listed file against its checksum; throws <see cref="CheckpointCorruptException"/> naming the first bad one.</summary>
    public static void Verify(string directory)
    {
        string path = Path.Combine(directory, FileName);
        CheckpointCorruptException Bad(string file, string problem) => new($"checkpoint '{directory}' is corrupt: '{file}' {problem}", directory, file);
        if (!File.Exists(path)) throw Bad(path, "is missing (the checkpoint was never completed)");
        Dictionary<string, string> files;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            files = doc.RootElement.GetProperty("files").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw Bad(path, $"is not a valid manifest: {e.Message}");
        }
        if (files.Count == 0) throw Bad(path, "lists no files");
        foreach (var (name, expected) in files)
        {
            string file = Path.Combine(directory, name);
            if (!File.Exists(file)) throw Bad(file, "is missing");
            string actual = Sha256(file);
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
                throw Bad(file, $"has SHA-256 {actual}, but {FileName} recorded {expected} (the file changed after the checkpoint was written)");
        }
    }

    private static string Sha256(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }
}

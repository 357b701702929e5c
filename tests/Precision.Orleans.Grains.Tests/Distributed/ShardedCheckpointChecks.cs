using System.Runtime.InteropServices;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Distributed;
using Precision.Orleans.Engine.Lora;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.RL.Checkpoints;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Training;
using Xunit;

namespace Precision.Orleans.Grains.Tests.Distributed;

/// <summary>
/// Checks on a sharded run's checkpoint directory on the cluster: its layout (one slice per shard and the manifests, no
/// full weight or optimizer file from the learner), that loading it gives the embedded single learner's checkpoint of the
/// same step bit for bit, and that a corrupt slice or a missing manifest is refused by the resume naming the file.
/// </summary>
internal static class ShardedCheckpointChecks
{
    /// <summary>Files only the single learner's full checkpoint has: the learner's whole weights and the AdamW moments.</summary>
    private static readonly string[] FullCheckpointOnly = [ModelCheckpoint.WeightsFileName, LoraAdapterFile.WeightsFileName, CheckpointStore.OptimizerFileName];

    /// <summary>Step <paramref name="step"/> of the cluster run is sharded and holds exactly the numbers of the embedded run's.</summary>
    /// <returns>The loaded cluster checkpoint.</returns>
    public static TrainerCheckpoint AssertShardedAndEqual(string clusterRunDir, string embeddedRunDir, int step, int shards, string modelDir)
    {
        string sharded = Path.Combine(new CheckpointStore(clusterRunDir).Directory, CheckpointStore.DirectoryName(step));
        string single = Path.Combine(new CheckpointStore(embeddedRunDir).Directory, CheckpointStore.DirectoryName(step));
        string[] Files(string dir) => [.. Directory.GetFiles(dir).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)];
        var expected = Files(single).Except(FullCheckpointOnly)
            .Concat(Enumerable.Range(0, shards).Select(ShardCheckpoint.SliceFileName)).Append(ShardCheckpoint.ManifestFileName)
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, Files(sharded));

        var layout = ModelCheckpoint.Load(modelDir).Layout;
        string adapterConfig = Path.Combine(single, LoraAdapterFile.ConfigFileName);
        var lora = File.Exists(adapterConfig) ? LoraConfig.FromJson(File.ReadAllText(adapterConfig)) : null;
        var a = CheckpointStore.Load(single, layout, lora);
        var b = CheckpointStore.Load(sharded, layout, lora);
        AssertBits(a.Weights, b.Weights, "master weights");
        AssertBits(a.Adapters, b.Adapters, "adapters");
        AssertBits(a.M, b.M, "exp_avg");
        AssertBits(a.V, b.V, "exp_avg_sq");
        Assert.Equal(a.State, b.State);
        Assert.True(b.State.OptimizerStepCount > 0, "no optimizer step was applied: equal moments would prove nothing");
        if (lora is null)
        {
            // The model-directory readers (eval, sanity-set, mismatch, a spec's model) read the sharded checkpoint's model too.
            var model = ModelCheckpoint.Load(sharded);
            Assert.Equal(layout.Config, model.Config);
            AssertBits(a.Weights, model.Weights, "model read from the slices");
            var inspected = HfCheckpointInspector.Inspect(sharded);
            Assert.Equal(layout.TotalCount, inspected.TotalParameters);
            Assert.Equal(Enumerable.Range(0, shards).Select(ShardCheckpoint.SliceFileName), inspected.Files.Select(f => f.Name));
            Assert.Equal(layout.Parameters.Count, inspected.Files.Sum(f => f.Tensors));
            Assert.Equal(HfCheckpointInspector.Inspect(single).Fp16Range.Total, inspected.Fp16Range.Total);
        }
        return b;
    }

    /// <summary>
    /// The resume (<see cref="LearnerStart.Open"/>, which the learner grain's restart runs too) refuses the newest
    /// checkpoint with a flipped byte in a slice, or without its manifest, naming the file and the previous intact one.
    /// </summary>
    public static void AssertCorruptionRefused(string clusterRunDir, string specYaml, string scratch, int newest)
    {
        var spec = RunSpecLoader.Parse(specYaml, "sharded spec");
        string newestName = CheckpointStore.DirectoryName(newest), previous = CheckpointStore.DirectoryName(newest - 1);
        foreach (var (name, damage) in new (string, Action<string>)[]
        {
            ("slice", dir =>
            {
                string slice = Path.Combine(dir, ShardCheckpoint.SliceFileName(1));
                var bytes = File.ReadAllBytes(slice);
                bytes[^5] ^= 0x40;
                File.WriteAllBytes(slice, bytes);
            }),
            ("manifest", dir => File.Delete(Path.Combine(dir, "manifest.json"))),
            ("shard manifest", dir => File.Delete(Path.Combine(dir, ShardCheckpoint.ManifestFileName))),
        })
        {
            string copy = Path.Combine(scratch, "corrupt-" + name.Replace(' ', '-'));
            CopyDirectory(clusterRunDir, copy);
            string dir = Path.Combine(copy, "checkpoints", newestName);
            damage(dir);
            var e = Assert.Throws<CheckpointCorruptException>(() => LearnerStart.Open(spec, copy));
            string file = name switch
            {
                "slice" => Path.Combine(dir, ShardCheckpoint.SliceFileName(1)),
                "manifest" => Path.Combine(dir, "manifest.json"),
                _ => Path.Combine(dir, ShardCheckpoint.ManifestFileName),
            };
            Assert.Equal(file, e.File);
            Assert.Contains(file, e.Message);
            Assert.Contains($"--resume-from {previous}", e.Message);
            // The previous (intact, sharded) checkpoint is what an explicit resume takes.
            Assert.Equal(newest - 1, LearnerStart.Open(spec, copy, previous).StartStep);
        }
    }

    /// <summary>
    /// What checkpoint <paramref name="step"/> cost: the bytes the learner wrote itself and the shards' slices in the
    /// sharded run, against the single learner's full checkpoint; and the moments (8 bytes per trained value) the
    /// learner used to fetch from the shards before every checkpoint.
    /// </summary>
    public static string Figures(string clusterRunDir, string embeddedRunDir, int step, long trainedValues)
    {
        string sharded = Path.Combine(new CheckpointStore(clusterRunDir).Directory, CheckpointStore.DirectoryName(step));
        string single = Path.Combine(new CheckpointStore(embeddedRunDir).Directory, CheckpointStore.DirectoryName(step));
        var files = Directory.GetFiles(sharded).Select(f => new FileInfo(f)).ToArray();
        long slices = files.Where(f => f.Name.StartsWith("shard-", StringComparison.Ordinal)).Sum(f => f.Length);
        long learner = files.Sum(f => f.Length) - slices;
        long full = Directory.GetFiles(single).Sum(f => new FileInfo(f).Length);
        return $"step {step}: learner wrote {learner:N0} B, shards {slices:N0} B in {files.Count(f => f.Name.StartsWith("shard-", StringComparison.Ordinal))} slices; " +
            $"the single learner's full checkpoint {full:N0} B; moments no longer fetched by the learner: {8 * trainedValues:N0} B ({trainedValues:N0} trained values)";
    }

    public static void CopyDirectory(string from, string to)
    {
        foreach (string dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    public static void AssertBits(float[]? expected, float[]? actual, string what)
    {
        Assert.True((expected is null) == (actual is null), $"{what}: one checkpoint has them, the other not");
        if (expected is null) return;
        Assert.True(MemoryMarshal.AsBytes(expected.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(actual.AsSpan())),
            $"{what}: the sharded checkpoint's {actual!.Length} values differ from the single learner's {expected.Length}");
    }
}

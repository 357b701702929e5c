using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Precision.Orleans.Engine.Training;

namespace Precision.Orleans.RL.Training;

/// <summary>
/// What a run's optimizer holds, beside what full fine-tuning of the same model would hold (the memory point of LoRA,
/// paper §5.2). Written to <c>footprint.json</c> in the run directory and printed by <c>precision train</c>.
/// </summary>
/// <param name="TrainableParameters">Parameters with FP32 master weights and AdamW state in this run (the engine's count).</param>
/// <param name="OptimizerStateBytes">Bytes of AdamW first and second moments this run's engine holds.</param>
/// <param name="FullParameters">Parameters of the whole model.</param>
/// <param name="FullOptimizerStateBytes">Bytes of AdamW state for full fine-tuning of the same model: the same two FP32
/// moments per parameter that the engine allocates when <see cref="TrainingOptions.Lora"/> is null.</param>
/// <param name="LoraRank">The adapters' rank; null for full fine-tuning.</param>
public sealed record OptimizerFootprint(long TrainableParameters, long OptimizerStateBytes, long FullParameters, long FullOptimizerStateBytes, int? LoraRank)
{
    public const string FileName = "footprint.json";

    /// <summary>AdamW keeps two FP32 moments (m, v) per trained parameter.</summary>
    public const int AdamWBytesPerParameter = 2 * sizeof(float);

    public static OptimizerFootprint Of(TrainingEngine engine) => new(
        engine.TrainableParameters, engine.OptimizerStateBytes, engine.Layout.TotalCount,
        engine.Layout.TotalCount * AdamWBytesPerParameter, engine.Adapters?.Layout.Config.Rank);

    /// <summary>"optimizer state 52.0 KiB (LoRA r=8: 6,656 trainable) vs 6.1 MiB for full fine-tuning (797,184)".</summary>
    public override string ToString() => LoraRank is { } r
        ? string.Create(CultureInfo.InvariantCulture,
            $"optimizer state {Bytes(OptimizerStateBytes)} (LoRA r={r}: {TrainableParameters:N0} trainable) vs {Bytes(FullOptimizerStateBytes)} for full fine-tuning ({FullParameters:N0}), {100.0 * OptimizerStateBytes / FullOptimizerStateBytes:0.00}% of it")
        : string.Create(CultureInfo.InvariantCulture, $"optimizer state {Bytes(OptimizerStateBytes)} (full fine-tuning: {TrainableParameters:N0} trainable)");

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.0} MiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads <c>footprint.json</c> of a run directory; null when absent or unreadable (an older run).</summary>
    public static OptimizerFootprint? Read(string runDirectory)
    {
        string path = Path.Combine(runDirectory, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<OptimizerFootprint>(File.ReadAllText(path), Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

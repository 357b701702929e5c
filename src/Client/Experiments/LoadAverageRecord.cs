using System.Globalization;
using System.Text.Json;
using Precision.Orleans.Engine.Checkpoints;

namespace Precision.Orleans.Client.Experiments;

/// <summary>
/// The machine's 1-minute load average sampled while an experiment ran (<c>load.json</c> in its output directory), so
/// the report can say when timings were taken on a machine shared with other work. Linux only (<c>/proc/loadavg</c>).
/// </summary>
/// <param name="Cores">Logical processors of the machine.</param>
/// <param name="Samples">How many samples (one every <see cref="SampleInterval"/>).</param>
/// <param name="Mean">Mean 1-minute load average over the samples.</param>
/// <param name="Max">Largest sample.</param>
internal sealed record LoadAverageRecord(int Cores, int Samples, double Mean, double Max)
{
    public const string FileName = "load.json";
    public static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// More runnable work than cores on average: the runs competed with other work (our own runs keep at most about one
    /// runnable thread per core).
    /// </summary>
    public bool Shared => Mean > Cores + 0.5;

    public string Warning => string.Create(CultureInfo.InvariantCulture,
        $"The machine was shared with other work while these runs ran: its 1-minute load average was {Mean:0.0} on average (at most {Max:0.0}) on {Cores} cores. Timings and timing ratios are unreliable; rerun on a quiet machine to compare them.");

    public static LoadAverageRecord? Read(string directory)
    {
        string path = Path.Combine(directory, FileName);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<LoadAverageRecord>(File.ReadAllText(path)) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The current 1-minute load average, or null where the OS does not publish it.</summary>
    public static double? Sample()
    {
        try
        {
            string text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Samples every <see cref="SampleInterval"/> until disposed, then writes <c>load.json</c> (when anything was sampled).</summary>
    public sealed class Sampler : IDisposable
    {
        private readonly string _directory;
        private readonly List<double> _samples = [];
        private readonly Timer _timer;

        public Sampler(string directory)
        {
            _directory = directory;
            _timer = new Timer(_ => Take(), null, TimeSpan.Zero, SampleInterval);
        }

        private void Take()
        {
            if (Sample() is not { } load) return;
            lock (_samples) _samples.Add(load);
        }

        public void Dispose()
        {
            _timer.Dispose();
            Take();
            LoadAverageRecord record;
            lock (_samples)
            {
                if (_samples.Count == 0) return;
                record = new LoadAverageRecord(Environment.ProcessorCount, _samples.Count, _samples.Average(), _samples.Max());
            }
            Directory.CreateDirectory(_directory);
            AtomicFile.WriteAllText(Path.Combine(_directory, FileName), JsonSerializer.Serialize(record));
        }
    }
}

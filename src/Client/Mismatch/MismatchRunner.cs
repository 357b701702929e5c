using System.Diagnostics;
using System.Globalization;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Client.LanguageModel;
using Precision.Orleans.Engine.Analysis;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Data;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;
using Spectre.Console;

namespace Precision.Orleans.Client.Mismatch;

/// <summary>
/// Paper §3.5 / Figure 2: for each dtype, the rollout engine samples N responses per prompt at
/// temperature 1 (no top-p / top-k) and records μ; the training engine, in the same dtype and from the
/// same FP32 weights, re-scores prompt + response and gives π. Nothing but the two engines'
/// implementations differs between μ and π.
/// </summary>
internal static class MismatchRunner
{
    /// <summary>Sequences per Generate call: small enough for a responsive progress bar, large enough to batch decode.</summary>
    private const int SampleChunk = 32;

    public static int Run(MismatchSettings s)
    {
        if (Commands.DeviceSelection.Open(s.Device) is not { } kernels) return Commands.DeviceSelection.RefusedExitCode;
        s = s with { Kernels = kernels };
        var checkpoint = Fp16RangeGuard.LoadFor(s.ModelDirectory, s.DTypes, s.Fp16Range);
        var tokenizer = TokenizerLoader.Load(s.ModelDirectory);
        var config = checkpoint.Config;
        // A Hugging Face model's vocab_size is padded beyond its tokenizer's ids; more tokens than rows is the error.
        if (tokenizer.VocabSize > config.VocabSize)
            throw new InvalidDataException($"mismatch: tokenizer has {tokenizer.VocabSize} tokens but the model's vocab_size is {config.VocabSize}");
        var examples = new SyntheticCorpus(HeldOutSeeds.MismatchPrompts(s.Seed)).Take(s.Prompts, [.. s.Tasks]);
        // Prompt i sample j sits at index i·N + j; all N samples of a prompt share the prompt tokens.
        var prompts = examples.SelectMany(e => Enumerable.Repeat(EncodePrompt(e, tokenizer, s), s.SamplesPerPrompt)).ToArray();
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
            $"[bold]mismatch[/] {checkpoint.Layout.TotalCount:N0}-param model from {Markup.Escape(s.ModelDirectory)}: {s.Prompts} prompts × {s.SamplesPerPrompt} samples, ≤{s.MaxNewTokens} new tokens, T=1, top-p 1; tasks {string.Join(",", s.Tasks)}; dtypes {string.Join(", ", s.DTypes.Select(d => d.Name()))}");

        var results = new List<DTypeMismatch>();
        foreach (var dtype in s.DTypes)
            results.Add(Measure(dtype, checkpoint, tokenizer, prompts, s));

        string outDir = s.ResolvedOutputDirectory;
        Directory.CreateDirectory(outDir);
        var report = new MismatchReport(s, checkpoint.Layout.TotalCount, results);
        string jsonPath = Path.Combine(outDir, "mismatch.json"), htmlPath = Path.Combine(outDir, "mismatch.html");
        AtomicFile.WriteAllText(jsonPath, report.ToJson());
        AtomicFile.WriteAllText(htmlPath, report.ToHtml());
        PrintSummary(report);
        AnsiConsole.MarkupLineInterpolated($"wrote [green]{jsonPath}[/] and [green]{htmlPath}[/]");
        return 0;
    }

    /// <summary>The prompt's tokens; a prompt the model's tokenizer cannot encode is refused naming the tasks it can.</summary>
    private static int[] EncodePrompt(CorpusExample example, ITokenizer tokenizer, MismatchSettings s)
    {
        try
        {
            return example.PromptTokens(tokenizer);
        }
        catch (ArgumentException e)
        {
            var corpus = new SyntheticCorpus(HeldOutSeeds.MismatchPrompts(s.Seed));
            var encodable = SyntheticCorpus.AllTasks.Where(task =>
            {
                try
                {
                    foreach (var x in corpus.Take(8, [task])) x.PromptTokens(tokenizer);
                    return true;
                }
                catch (ArgumentException)
                {
                    return false;
                }
            }).ToList();
            string advice = encodable.Count > 0
                ? $"choose --tasks from those it can encode: {string.Join(",", encodable)}"
                : "none of the corpus tasks fits this model's alphabet (an arithmetic policy from `precision pretrain` is measured by `precision train`, which logs the mismatch every step)";
            throw new ArgumentException(
                $"the model's tokenizer cannot encode prompts of --tasks {string.Join(",", s.Tasks)} ({e.Message}); {advice}", e);
        }
    }

    private static DTypeMismatch Measure(DType dtype, LoadedCheckpoint checkpoint, ITokenizer tokenizer, int[][] prompts, MismatchSettings s)
    {
        var config = checkpoint.Config;
        var rollout = new RolloutEngine(config, dtype, kernels: s.Kernels);
        rollout.LoadWeights(checkpoint.Weights, 0);
        // The training engine gets its own copy: it owns (and could update) its master weights.
        var trainer = new TrainingEngine(config, new TrainingOptions { ComputeDType = dtype, Kernels = s.Kernels }, (float[])checkpoint.Weights.Clone());

        var sequences = new RolloutSequence[prompts.Length];
        var logPi = new float[prompts.Length][];
        var trainRouting = new Engine.Model.ExpertRouting[prompts.Length];
        double sampleSeconds = 0, scoreSeconds = 0;
        string name = dtype.Name();
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var sampling = ctx.AddTask($"{name}: sample (rollout engine)", maxValue: prompts.Length);
                var scoring = ctx.AddTask($"{name}: re-score (training engine)", maxValue: prompts.Length);
                var sw = Stopwatch.StartNew();
                for (int start = 0, chunk = 0; start < prompts.Length; start += SampleChunk, chunk++)
                {
                    int n = Math.Min(SampleChunk, prompts.Length - start);
                    var options = new SamplingOptions
                    {
                        Temperature = 1f,
                        TopP = 1f,
                        TopK = 0,
                        MaxNewTokens = s.MaxNewTokens,
                        StopTokens = [.. tokenizer.StopTokens],
                        // Same seed for every dtype: each dtype's sampler sees the same random stream.
                        Seed = unchecked((ulong)s.Seed * 1_000_003UL + (ulong)chunk),
                    };
                    var outputs = rollout.Generate(prompts[start..(start + n)], options);
                    for (int i = 0; i < n; i++) sequences[start + i] = outputs[i];
                    sampling.Increment(n);
                }
                sampleSeconds = sw.Elapsed.TotalSeconds;

                sw.Restart();
                // Re-score in batches of similar length so padding costs little.
                var order = Enumerable.Range(0, sequences.Length).OrderBy(i => sequences[i].PromptTokens.Length + sequences[i].Tokens.Length).ToArray();
                foreach (var group in ScoringBatches(order, i => sequences[i].PromptTokens.Length + sequences[i].Tokens.Length, s.ScoreBatch))
                {
                    var batch = TokenBatch.FromSequences(
                        group.Select(i => sequences[i].FullSequence()).ToArray(),
                        group.Select(i => sequences[i].PromptTokens.Length).ToArray());
                    float[] lp = trainer.ComputeLogProbs(batch);
                    for (int r = 0; r < group.Length; r++)
                    {
                        var seq = sequences[group[r]];
                        int offset = r * batch.SeqLen + seq.PromptTokens.Length;
                        logPi[group[r]] = lp.AsSpan(offset, seq.Tokens.Length).ToArray();
                        if (trainer.LastRouting is { } routing) trainRouting[group[r]] = routing[r];
                    }
                    scoring.Increment(group.Length);
                }
                scoreSeconds = sw.Elapsed.TotalSeconds;
            });

        var logMu = sequences.Select(q => q.LogProbs).ToArray();
        var metrics = MismatchAnalysis.Compute(logPi, logMu);
        var routingMismatch = config.IsMoe
            ? RoutingMismatch.Compute([.. sequences.Select(q => q.Routing!)], trainRouting,
                [.. sequences.Select(q => q.PromptTokens.Length)], [.. sequences.Select(q => q.PromptTokens.Length + q.Tokens.Length)])
            : null;
        var examples = sequences.Take(3 * s.SamplesPerPrompt).Where((_, i) => i % s.SamplesPerPrompt < 2)
            .Select(q => tokenizer.Decode(q.PromptTokens) + " ⟶" + tokenizer.Decode(q.Tokens, keepSpecial: true)).ToArray();
        int stopped = sequences.Count(q => q.Finish == FinishReason.Stop);
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {metrics.Tokens:N0} response tokens in {sequences.Length} responses ({stopped} ended with <eos>); sampled in {sampleSeconds:F1} s, re-scored in {scoreSeconds:F1} s; mean |log π(y)/μ(y)| = {Commands.ConsoleNumbers.Format(metrics.MeanAbsSeqLogRatio)}{RoutingText(routingMismatch)}"));
        return new DTypeMismatch(dtype, metrics, logPi, logMu, examples, sampleSeconds, scoreSeconds, stopped, routingMismatch);
    }

    private static string RoutingText(RoutingMismatch? r) => r is null ? "" : string.Create(CultureInfo.InvariantCulture,
        $"; routing differs in {r.Overall:P3} of (token, layer) decisions, {r.AnyLayer:P3} of tokens in some layer");

    /// <summary>
    /// Groups indices (sorted by length) into re-scoring batches of at most <paramref name="maxSequences"/>
    /// rows whose attention area B·T² stays within that of <paramref name="maxSequences"/> rows of 256
    /// tokens: the training engine keeps B·H·T² attention probabilities per layer, so long-form
    /// responses go in smaller batches instead of exhausting memory.
    /// </summary>
    internal static IEnumerable<int[]> ScoringBatches(int[] sortedByLength, Func<int, int> length, int maxSequences)
    {
        long budget = (long)maxSequences * 256 * 256;
        var group = new List<int>();
        foreach (int i in sortedByLength)
        {
            long t = length(i); // sorted ascending: the newcomer is the longest row
            if (group.Count > 0 && (group.Count == maxSequences || (group.Count + 1) * t * t > budget))
            {
                yield return group.ToArray();
                group.Clear();
            }
            group.Add(i);
        }
        if (group.Count > 0) yield return group.ToArray();
    }

    private static void PrintSummary(MismatchReport report)
    {
        // The full table (every column) is in the HTML; the console gets what fits in 80 columns.
        AnsiConsole.Write(ConsoleTable("π (training engine) vs μ (rollout engine)", MismatchReport.ConsoleHeaders, report.ConsoleRows()));
        AnsiConsole.Write(ConsoleTable("per-token log π − log μ: noise σ vs drift (mean)", MismatchReport.DecompositionHeaders, report.DecompositionRows()));
        if (report.ProjectionRows().ToList() is { Count: > 0 } projection)
        {
            AnsiConsole.Write(ConsoleTable("projected to longer responses: log π(y)/μ(y) ≈ N(−L·k3, L·σ²)", MismatchReport.ProjectionHeaders, projection));
            foreach (string line in report.ProjectionLines()) AnsiConsole.WriteLine(line);
        }
        foreach (string line in report.RatioLines()) AnsiConsole.MarkupLine("[bold]" + Markup.Escape(line) + "[/]");
    }

    private static Table ConsoleTable(string title, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var table = new Table().Title(Markup.Escape(title));
        foreach (string h in headers) table.AddColumn(new TableColumn(Markup.Escape(h)).RightAligned());
        foreach (var row in rows) table.AddRow(row.Select(Markup.Escape).ToArray());
        return table;
    }
}

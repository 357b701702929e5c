using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Precision.Orleans.Engine.Tests.Parity;
using Precision.Orleans.Engine.Text;

namespace Precision.Orleans.Engine.Tests.Text;

/// <summary>
/// Once per test class: a ≥10,000-line corpus, a tokenizer.json learned from it by Reference/bpe_reference.py (Qwen2
/// pre-tokenizer, NFC, pair-form merges, added tokens), two variants (Llama-3 split + "a b" merges + ignore_merges +
/// no normalizer; GPT-2 ByteLevel(use_regex)), and the reference's token ids for every line under each.
/// </summary>
public sealed class BpeReferenceFixture : IDisposable
{
    public const int CorpusLines = 10_500;
    public const int Merges = 3000;
    public const int TrainingLines = 2500;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "bpe-ref-" + Guid.NewGuid().ToString("N")[..8]);
    public List<string> Lines { get; }

    /// <summary>Variant name → (model directory, reference ids per line).</summary>
    public Dictionary<string, (string ModelDir, int[][] Ids)> Variants { get; } = [];

    public BpeReferenceFixture()
    {
        System.IO.Directory.CreateDirectory(Directory);
        Lines = TokenizerCorpus.Lines(CorpusLines);
        string corpus = Path.Combine(Directory, "corpus.jsonl");
        File.WriteAllLines(corpus, Lines.Select(l => JsonSerializer.Serialize(l)));

        string qwen2 = Path.Combine(Directory, "qwen2");
        System.IO.Directory.CreateDirectory(qwen2);
        RunPython("train", corpus, Path.Combine(qwen2, ByteLevelBpeTokenizer.FileName), Merges.ToString(), TrainingLines.ToString());

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(qwen2, ByteLevelBpeTokenizer.FileName)))!;
        var llama = json.DeepClone();
        llama["normalizer"] = null;
        llama["pre_tokenizer"]!["pretokenizers"]![0]!["pattern"]!["Regex"] = RegexPreTokenizer.Llama3Pattern;
        llama["model"]!["ignore_merges"] = true;
        var stringMerges = new JsonArray([.. llama["model"]!["merges"]!.AsArray().Select(m => JsonValue.Create($"{m![0]} {m[1]}"))]);
        llama["model"]!["merges"] = stringMerges;
        var gpt2 = json.DeepClone();
        gpt2["normalizer"] = null;
        gpt2["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true };

        Add("qwen2", qwen2, corpus);
        Add("llama3-split", Write("llama3-split", llama), corpus);
        Add("gpt2-bytelevel", Write("gpt2-bytelevel", gpt2), corpus);
    }

    private string Write(string name, JsonNode json)
    {
        string dir = Path.Combine(Directory, name);
        System.IO.Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, ByteLevelBpeTokenizer.FileName), json.ToJsonString());
        return dir;
    }

    private void Add(string name, string dir, string corpus)
    {
        string ids = Path.Combine(Directory, name + ".ids");
        RunPython("encode", Path.Combine(dir, ByteLevelBpeTokenizer.FileName), corpus, ids);
        var rows = File.ReadAllLines(ids)
            .Select(l => l.Length == 0 ? Array.Empty<int>() : l.Split(' ').Select(int.Parse).ToArray()).ToArray();
        if (rows.Length != Lines.Count) throw new InvalidOperationException($"bpe_reference.py wrote {rows.Length} rows for {Lines.Count} lines");
        Variants[name] = (dir, rows);
    }

    private static void RunPython(params string[] args)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "Reference", "bpe_reference.py");
        var psi = new ProcessStartInfo(TorchReferenceRunner.Python) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        foreach (string a in args) psi.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {psi.FileName}");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"the BPE reference needs python3 with the regex module (Debian: python3-regex): {e.Message}", e);
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("bpe_reference.py did not finish within 3 minutes");
            }
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"bpe_reference.py {args[0]} failed (exit {process.ExitCode}; it needs python3-regex):\n{stderr.Result}");
        }
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

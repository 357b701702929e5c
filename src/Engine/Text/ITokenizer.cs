namespace Precision.Orleans.Engine.Text;

/// <summary>
/// The tokenizer seam: what the RL trainer, the samplers and the checkpoint store need of a tokenizer, whether it is
/// our character tokenizer or a Hugging Face byte-level BPE (<see cref="TokenizerLoader"/> picks one for a model directory).
/// </summary>
public interface ITokenizer
{
    /// <summary>Number of ids the tokenizer can produce (the model's vocab_size may be larger: HF pads it).</summary>
    int VocabSize { get; }

    /// <summary>Beginning-of-sequence id, or null when the tokenizer has none (Qwen2/Qwen3 define no BOS).</summary>
    int? BosId { get; }

    /// <summary>End-of-sequence id, or null when the tokenizer defines none.</summary>
    int? EosId { get; }

    /// <summary>Padding id, or null when the tokenizer defines none.</summary>
    int? PadId { get; }

    /// <summary>Ids that end a generated response (EOS and the model's other end tokens), without duplicates.</summary>
    IReadOnlyList<int> StopTokens { get; }

    /// <summary>
    /// Ids of <paramref name="text"/>; special tokens written in the text (e.g. <c>&lt;|im_end|&gt;</c>) become their ids.
    /// <paramref name="addBos"/>/<paramref name="addEos"/> add BOS/EOS only when the tokenizer defines them.
    /// </summary>
    int[] Encode(string text, bool addBos = false, bool addEos = false);

    /// <summary>Text of <paramref name="ids"/>; special tokens are dropped unless <paramref name="keepSpecial"/>.</summary>
    string Decode(ReadOnlySpan<int> ids, bool keepSpecial = false);

    /// <summary>The id of a whole token (e.g. a special token's text), or null when it is not one token.</summary>
    int? TokenToId(string token);

    /// <summary>The token text of <paramref name="id"/> as the tokenizer stores it, or null outside the vocabulary.</summary>
    string? IdToToken(int id);

    /// <summary>Writes the tokenizer's files into a checkpoint directory (atomically, file by file).</summary>
    void Save(string directory);
}

"""Independent reference for the byte-level BPE tokenizer (GPT-2's algorithm, written from its definition).

  bpe_reference.py train  CORPUS.jsonl OUT/tokenizer.json MERGES TRAIN_LINES
      learns MERGES byte-level BPE merges from the first TRAIN_LINES lines (Qwen2 pre-tokenizer, NFC) and writes a
      Qwen2-style tokenizer.json with added tokens.
  bpe_reference.py encode tokenizer.json CORPUS.jsonl OUT.txt
      encodes every line (a JSON string) and writes its ids, space separated, one line per input line.

Needs the `regex` module (Debian: python3-regex) for \\p{L} / \\p{N}.
"""
import json
import sys
import unicodedata
from collections import Counter

import regex

QWEN2_PATTERN = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""

ADDED = [("<|endoftext|>", True), ("<|im_start|>", True), ("<|im_end|>", True), ("<think>", False), ("</think>", False),
         ("<|im_start|>assistant", False)]


def bytes_to_unicode():
    """Printable Latin-1 bytes stand for themselves; the remaining bytes take 256, 257, ... in byte order."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


BYTE_CHAR = bytes_to_unicode()


def split_isolated(pattern, text):
    """Matches and the gaps between them, in order (Split behaviour 'Isolated')."""
    out, last = [], 0
    for m in pattern.finditer(text):
        if m.end() == m.start():
            continue
        if m.start() > last:
            out.append(text[last:m.start()])
        out.append(m.group(0))
        last = m.end()
    if last < len(text):
        out.append(text[last:])
    return out


def to_symbols(piece):
    return tuple(BYTE_CHAR[b] for b in piece.encode("utf-8"))


class Reference:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
        model = spec["model"]
        self.vocab = model["vocab"]
        merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
        self.ranks = {}
        for rank, pair in enumerate(merges):
            self.ranks.setdefault(pair, rank)
        self.ignore_merges = bool(model.get("ignore_merges") or False)
        self.added = sorted(((t["content"], t["id"]) for t in spec.get("added_tokens") or []), key=lambda t: -len(t[0]))
        norm = spec.get("normalizer")
        self.nfc = norm is not None and norm["type"] == "NFC"
        pre = spec["pre_tokenizer"]
        if pre["type"] == "ByteLevel":
            self.pattern = regex.compile(GPT2_PATTERN)
        else:
            self.pattern = regex.compile(pre["pretokenizers"][0]["pattern"]["Regex"])
        self.cache = {}

    def bpe(self, piece):
        """GPT-2: repeatedly merge every occurrence of the adjacent pair with the lowest rank."""
        word = to_symbols(piece)
        if self.ignore_merges and "".join(word) in self.vocab:
            return [self.vocab["".join(word)]]
        while len(word) > 1:
            pairs = set(zip(word, word[1:]))
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            merged, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and (word[i], word[i + 1]) == best:
                    merged.append(word[i] + word[i + 1])
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = tuple(merged)
        return [self.vocab[s] for s in word]

    def encode_plain(self, text, ids):
        if self.nfc:
            text = unicodedata.normalize("NFC", text)
        for piece in split_isolated(self.pattern, text):
            if piece not in self.cache:
                self.cache[piece] = self.bpe(piece)
            ids.extend(self.cache[piece])

    def encode(self, text):
        """Added tokens first: leftmost occurrence, longest at that position; the text between is plain text."""
        ids, start, i = [], 0, 0
        while i < len(text):
            hit = next(((c, t) for c, t in self.added if text.startswith(c, i)), None)
            if hit is None:
                i += 1
                continue
            if i > start:
                self.encode_plain(text[start:i], ids)
            ids.append(hit[1])
            i += len(hit[0])
            start = i
        if start < len(text):
            self.encode_plain(text[start:], ids)
        return ids


def train(corpus_path, out_path, num_merges, train_lines):
    pattern = regex.compile(QWEN2_PATTERN)
    counts = Counter()
    with open(corpus_path, encoding="utf-8") as f:
        for n, line in enumerate(f):
            if n >= train_lines:
                break
            for piece in split_isolated(pattern, unicodedata.normalize("NFC", json.loads(line))):
                counts[to_symbols(piece)] += 1
    words = [list(w) for w in counts]
    freq = [counts[w] for w in counts]
    pair_counts, where = Counter(), {}
    for wi, w in enumerate(words):
        for p in zip(w, w[1:]):
            pair_counts[p] += freq[wi]
            where.setdefault(p, set()).add(wi)
    merges = []
    for _ in range(num_merges):
        if not pair_counts:
            break
        best = max(pair_counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
        if pair_counts[best] < 2:
            break
        merges.append(best)
        for wi in list(where.get(best, ())):
            w = words[wi]
            for p in zip(w, w[1:]):
                pair_counts[p] -= freq[wi]
                if pair_counts[p] <= 0:
                    del pair_counts[p]
            merged, i = [], 0
            while i < len(w):
                if i < len(w) - 1 and (w[i], w[i + 1]) == best:
                    merged.append(w[i] + w[i + 1])
                    i += 2
                else:
                    merged.append(w[i])
                    i += 1
            words[wi] = merged
            for p in zip(merged, merged[1:]):
                pair_counts[p] += freq[wi]
                where.setdefault(p, set()).add(wi)
    vocab = {BYTE_CHAR[b]: i for i, b in enumerate(sorted(BYTE_CHAR))}
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    added = []
    for content, special in ADDED:
        added.append({"id": len(vocab) + len(added), "content": content, "single_word": False, "lstrip": False,
                      "rstrip": False, "normalized": False, "special": special})
    spec = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": QWEN2_PATTERN}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "", "end_of_word_suffix": "",
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": False, "vocab": vocab,
                  "merges": [[a, b] for a, b in merges]},
    }
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(spec, f, ensure_ascii=False)


def encode(tokenizer_path, corpus_path, out_path):
    ref = Reference(tokenizer_path)
    with open(corpus_path, encoding="utf-8") as f, open(out_path, "w", encoding="utf-8") as out:
        for line in f:
            out.write(" ".join(map(str, ref.encode(json.loads(line)))) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "train":
        train(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    elif sys.argv[1] == "encode":
        encode(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(f"unknown command {sys.argv[1]!r}")

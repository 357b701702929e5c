using System.Runtime.InteropServices;

namespace Precision.Orleans.Engine.Text;

/// <summary>
/// Unicode NFC for the tokenizer's normalizer. The repository runs with InvariantGlobalization, where
/// <see cref="string.Normalize()"/> silently returns non-ASCII text unchanged, so we call the system ICU
/// (libicuuc, present wherever .NET's globalization is) directly. Text below U+0300 is already NFC and never leaves
/// managed code; that is nearly every RL prompt.
/// </summary>
internal static unsafe class UnicodeNormalizer
{
    private static readonly Lazy<Icu> Library = new(Icu.Load);

    public static string Nfc(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!NeedsNormalization(text.AsSpan())) return text;
        return Library.Value.Nfc(text);
    }

    /// <summary>
    /// False when <paramref name="text"/> is already NFC: everything below U+0300 (the first character whose NFC
    /// quick-check is not Yes) is, and ICU answers for the rest without allocating.
    /// </summary>
    public static bool NeedsNormalization(ReadOnlySpan<char> text) =>
        text.IndexOfAnyInRange('\u0300', '\uFFFF') >= 0 && !Library.Value.IsNfc(text);

    private sealed class Icu
    {
        private readonly delegate* unmanaged<int*, nint> _getNfcInstance;
        private readonly delegate* unmanaged<nint, char*, int, char*, int, int*, int> _normalize;
        private readonly delegate* unmanaged<nint, char*, int, int*, sbyte> _isNormalized;

        private Icu(nint getNfcInstance, nint normalize, nint isNormalized)
        {
            _getNfcInstance = (delegate* unmanaged<int*, nint>)getNfcInstance;
            _normalize = (delegate* unmanaged<nint, char*, int, char*, int, int*, int>)normalize;
            _isNormalized = (delegate* unmanaged<nint, char*, int, int*, sbyte>)isNormalized;
        }

        public bool IsNfc(ReadOnlySpan<char> text)
        {
            int error = 0;
            nint nfc = _getNfcInstance(&error);
            if (error > 0) throw new InvalidOperationException($"tokenizer: ICU unorm2_getNFCInstance failed with error {error}");
            sbyte result;
            fixed (char* src = text)
                result = _isNormalized(nfc, src, text.Length, &error);
            if (error > 0) throw new InvalidOperationException($"tokenizer: ICU unorm2_isNormalized failed with error {error}");
            return result != 0;
        }

        public static Icu Load()
        {
            // ICU suffixes its exported symbols with its major version (unorm2_normalize_72); some builds do not.
            foreach (string name in new[] { "libicuuc.so" }.Concat(Enumerable.Range(50, 40).Reverse().Select(v => $"libicuuc.so.{v}")).Append("libicuuc.dylib"))
            {
                if (!NativeLibrary.TryLoad(name, out nint lib)) continue;
                foreach (string suffix in Enumerable.Range(50, 40).Reverse().Select(v => $"_{v}").Prepend(""))
                {
                    if (NativeLibrary.TryGetExport(lib, "unorm2_getNFCInstance" + suffix, out nint get)
                        && NativeLibrary.TryGetExport(lib, "unorm2_normalize" + suffix, out nint normalize)
                        && NativeLibrary.TryGetExport(lib, "unorm2_isNormalized" + suffix, out nint isNormalized))
                        return new Icu(get, normalize, isNormalized);
                }
            }
            throw new PlatformNotSupportedException(
                "tokenizer: the NFC normalizer needs the system ICU library (libicuuc; Debian package libicu72 or similar), which was not found");
        }

        public string Nfc(string text)
        {
            int error = 0;
            nint nfc = _getNfcInstance(&error);
            if (error > 0) throw new InvalidOperationException($"tokenizer: ICU unorm2_getNFCInstance failed with error {error}");
            // NFC of UTF-16 text never grows beyond 3× (Unicode's stated bound); start at length + 16 and retry once on overflow.
            int capacity = text.Length + 16;
            for (int attempt = 0; attempt < 2; attempt++)
            {
                var buffer = new char[capacity];
                error = 0;
                int length;
                fixed (char* src = text)
                fixed (char* dst = buffer)
                    length = _normalize(nfc, src, text.Length, dst, capacity, &error);
                const int BufferOverflowError = 15;
                if (error == BufferOverflowError) { capacity = length + 1; continue; }
                if (error > 0) throw new InvalidOperationException($"tokenizer: ICU unorm2_normalize failed with error {error}");
                return new string(buffer, 0, length);
            }
            throw new InvalidOperationException("tokenizer: ICU unorm2_normalize kept overflowing its buffer");
        }
    }
}

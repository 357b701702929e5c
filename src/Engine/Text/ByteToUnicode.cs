namespace Precision.Orleans.Engine.Text;

/// <summary>
/// GPT-2's byte-level alphabet: every byte gets a printable character so BPE vocabularies are plain strings.
/// Printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for themselves; the other 68 bytes map, in order,
/// to U+0100, U+0101, … .
/// </summary>
internal static class ByteToUnicode
{
    /// <summary>The character of each byte.</summary>
    public static readonly char[] CharOfByte = Build();

    /// <summary>The byte of each character in the alphabet, -1 for characters outside it (indexed up to U+0143).</summary>
    public static readonly short[] ByteOfChar = Invert(CharOfByte);

    public static bool TryGetByte(char c, out byte b)
    {
        if (c < ByteOfChar.Length && ByteOfChar[c] >= 0)
        {
            b = (byte)ByteOfChar[c];
            return true;
        }
        b = 0;
        return false;
    }

    private static bool StandsForItself(int b) => (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);

    private static char[] Build()
    {
        var map = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++) map[b] = StandsForItself(b) ? (char)b : (char)(256 + next++);
        return map;
    }

    private static short[] Invert(char[] map)
    {
        var inverse = new short[256 + 68];
        Array.Fill(inverse, (short)-1);
        for (int b = 0; b < 256; b++) inverse[map[b]] = (short)b;
        return inverse;
    }
}

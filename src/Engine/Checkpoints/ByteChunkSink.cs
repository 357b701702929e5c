namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>Receives consecutive pieces of a byte stream (a file being written, a hash being computed).</summary>
internal delegate void ByteChunkSink(ReadOnlySpan<byte> chunk);

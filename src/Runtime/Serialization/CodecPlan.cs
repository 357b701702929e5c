namespace Precision.Orleans.Runtime.Serialization;

internal delegate object? CodecRead(ref CodecReader reader);

/// <summary>
/// How one type is written and read. Built once per type and cached; the delegates are assigned after construction
/// so that a recursive type (a record holding a list of itself) can refer to its own plan while it is being built.
/// </summary>
internal sealed class CodecPlan(Type type)
{
    public Type Type { get; } = type;

    public Action<CodecWriter, object?> Write { get; set; } = null!;

    public CodecRead Read { get; set; } = null!;
}

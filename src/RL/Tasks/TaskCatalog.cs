namespace Precision.Orleans.RL.Tasks;

/// <summary>The generated tasks by name.</summary>
public static class TaskCatalog
{
    private static readonly IReadOnlyDictionary<string, IProblemTask> Tasks =
        new Dictionary<string, IProblemTask>(StringComparer.Ordinal) { [ArithmeticTask.TaskName] = new ArithmeticTask() };

    public static IReadOnlyList<string> Names { get; } = [.. Tasks.Keys.Order(StringComparer.Ordinal)];

    public static bool Contains(string name) => Tasks.ContainsKey(name);

    /// <summary>The task called <paramref name="name"/>; an unknown name throws listing the known ones.</summary>
    public static IProblemTask Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Tasks.TryGetValue(name, out IProblemTask? task)
            ? task
            : throw new ArgumentException($"unknown task '{name}'; tasks: {string.Join(", ", Names)}");
    }
}

using Xunit;

namespace Precision.Orleans.RL.Tests;

/// <summary>
/// Tests that run console commands in-process share this collection: Spectre.Console allows one live display
/// (progress bar) per process at a time, so xunit must not run them in parallel.
/// </summary>
[CollectionDefinition(Collection)]
public sealed class ConsoleTests
{
    public const string Collection = "console";
}

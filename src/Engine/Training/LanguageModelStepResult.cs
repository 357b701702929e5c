namespace Precision.Orleans.Engine.Training;

/// <summary>One supervised language-model step: the loss before the update, how many target tokens it averaged, and the optimizer's outcome.</summary>
public readonly record struct LanguageModelStepResult(float Loss, int Tokens, OptimizerStepResult Step);

namespace Precision.Orleans.RL.Tasks;

/// <summary>The operations of <see cref="ArithmeticTask"/>, each worked column by column from the right.</summary>
public enum ArithmeticOperation
{
    /// <summary>Column addition with carries: "add 4821+377:".</summary>
    Add,

    /// <summary>Column subtraction with borrows, larger minus smaller: "sub 512-387:".</summary>
    Subtract,

    /// <summary>A multi-digit number times one digit, with carries: "mul 482*7:".</summary>
    Multiply,
}

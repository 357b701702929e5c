using Precision.Orleans.Client.Commands;
using Xunit;

namespace Precision.Orleans.RL.Tests.Evaluation;

public sealed class ConsoleNumbersTests
{
    [Theory]
    [InlineData(4.88e-7, "4.88e-07")]
    [InlineData(-0.0001622, "-1.62e-04")]
    [InlineData(0.0059, "0.0059")]
    [InlineData(-0.001091, "-0.00109")]
    [InlineData(12.345, "12.3")]
    [InlineData(65536, "65536")]
    [InlineData(250000, "2.5e+05")]
    [InlineData(0, "0")]
    public void Numbers_print_with_three_significant_digits_and_a_lower_case_exponent_outside_1e_3_to_1e5(double value, string expected) =>
        Assert.Equal(expected, ConsoleNumbers.Format(value));
}

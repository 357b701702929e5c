using System.Text;

namespace Precision.Orleans.RL.Tasks;

/// <summary>
/// The written-out working of an <see cref="ArithmeticProblem"/>, column by column from the right, one
/// "step;" per column, then the final answer in the fixed form "answer N":
/// <list type="bullet">
/// <item>add 4821+377: " 1+7=8; 2+7=9; 8+3=11 carry 1; 4+0+1=5; answer 5198" (a missing digit is 0; "+1" is the carry in);</item>
/// <item>sub 512-387: " 12-7=5 borrow 1; 11-8-1=2 borrow 1; 5-3-1=1; answer 125" (a borrowed column is written with its 10);</item>
/// <item>mul 482*7: " 2*7=14 carry 1; 8*7+1=57 carry 5; 4*7+5=33 carry 3; 3; answer 3374".</item>
/// </list>
/// </summary>
public static class ArithmeticWorking
{
    /// <summary>The text between the working and the final answer; the reward reads what follows it at the end.</summary>
    public const string AnswerMarker = "answer ";

    public static string Write(ArithmeticProblem p)
    {
        var sb = new StringBuilder();
        switch (p.Operation)
        {
            case ArithmeticOperation.Add: WriteAddition(sb, p.Left, p.Right); break;
            case ArithmeticOperation.Subtract: WriteSubtraction(sb, p.Left, p.Right); break;
            default: WriteMultiplication(sb, p.Left, p.Right); break;
        }
        sb.Append(' ').Append(AnswerMarker).Append(p.Result);
        return sb.ToString();
    }

    private static void WriteAddition(StringBuilder sb, long a, long b)
    {
        long carry = 0;
        do
        {
            long x = a % 10, y = b % 10, sum = x + y + carry;
            sb.Append(' ').Append(x).Append('+').Append(y);
            if (carry > 0) sb.Append("+1");
            sb.Append('=').Append(sum);
            carry = sum / 10;
            if (carry > 0) sb.Append(" carry 1");
            sb.Append(';');
            a /= 10;
            b /= 10;
        } while (a > 0 || b > 0);
        if (carry > 0) sb.Append(" 1;");
    }

    private static void WriteSubtraction(StringBuilder sb, long a, long b)
    {
        long borrow = 0;
        do
        {
            long x = a % 10, y = b % 10;
            bool borrows = x - y - borrow < 0;
            long top = borrows ? x + 10 : x;
            sb.Append(' ').Append(top).Append('-').Append(y);
            if (borrow > 0) sb.Append("-1");
            sb.Append('=').Append(top - y - borrow);
            if (borrows) sb.Append(" borrow 1");
            sb.Append(';');
            borrow = borrows ? 1 : 0;
            a /= 10;
            b /= 10;
        } while (a > 0 || b > 0);
    }

    private static void WriteMultiplication(StringBuilder sb, long a, long digit)
    {
        long carry = 0;
        do
        {
            long x = a % 10, product = x * digit + carry;
            sb.Append(' ').Append(x).Append('*').Append(digit);
            if (carry > 0) sb.Append('+').Append(carry);
            sb.Append('=').Append(product);
            carry = product / 10;
            if (carry > 0) sb.Append(" carry ").Append(carry);
            sb.Append(';');
            a /= 10;
        } while (a > 0);
        if (carry > 0) sb.Append(' ').Append(carry).Append(';');
    }
}

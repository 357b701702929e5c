using Precision.Orleans.Abstractions;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Rollout;

namespace Precision.Orleans.Grains;

/// <summary>
/// The rollout engine's sequences to and from their wire form (with the MoE routing when there is one); the routing alone
/// also travels with a gradient worker's policy micro-batch outcomes.
/// </summary>
internal static class WireSequences
{
    public static GeneratedSequence ToWire(RolloutSequence sequence) =>
        new(sequence.Tokens, sequence.LogProbs, sequence.Finish, sequence.Routing is { } r ? ToWire(r) : null);

    public static RolloutSequence FromWire(int[] promptTokens, GeneratedSequence sequence) =>
        new(promptTokens, sequence.Tokens, sequence.LogProbs, sequence.Finish)
        {
            Routing = sequence.Routing is { } r ? FromWire(r) : null,
        };

    public static SequenceRouting ToWire(ExpertRouting routing)
    {
        var experts = new int[routing.MoeLayers * routing.Positions * routing.TopK];
        for (int l = 0, o = 0; l < routing.MoeLayers; l++)
            for (int p = 0; p < routing.Positions; p++, o += routing.TopK)
                routing.At(l, p).CopyTo(experts.AsSpan(o, routing.TopK));
        return new SequenceRouting(routing.MoeLayers, routing.TopK, routing.Positions, experts);
    }

    public static ExpertRouting FromWire(SequenceRouting wire)
    {
        if (wire.Experts.Length != wire.MoeLayers * wire.Positions * wire.TopK)
            throw new InvalidDataException($"routing of {wire.MoeLayers} layers × {wire.Positions} positions × top-{wire.TopK} arrived with {wire.Experts.Length} experts");
        var routing = new ExpertRouting(wire.MoeLayers, wire.TopK, wire.Positions);
        for (int l = 0, o = 0; l < wire.MoeLayers; l++)
            for (int p = 0; p < wire.Positions; p++, o += wire.TopK)
                wire.Experts.AsSpan(o, wire.TopK).CopyTo(routing.At(l, p));
        return routing;
    }
}

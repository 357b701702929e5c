using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Rollout;
using Xunit;

namespace Precision.Orleans.Grains.Tests;

/// <summary>A rollout engine's sequence crosses Orleans' serializer with the engine's own finish reason and routing intact.</summary>
public sealed class WireSequencesTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    [Theory]
    [InlineData(FinishReason.Stop)]
    [InlineData(FinishReason.Length)]
    public void A_sequence_round_trips_through_the_wire_with_its_finish_reason(FinishReason finish)
    {
        var routing = new ExpertRouting(moeLayers: 2, topK: 2, positions: 3);
        for (int l = 0; l < 2; l++)
            for (int p = 0; p < 3; p++)
            {
                routing.At(l, p)[0] = l + p;
                routing.At(l, p)[1] = l + p + 4;
            }
        var sent = new RolloutSequence([7, 8], [3, 1, 4], [-0.5f, -1.25f, -3f], finish) { Routing = routing };

        var wire = WireSequences.ToWire(sent);
        Assert.Equal(finish, wire.Finish);
        var arrived = Serializer.Deserialize<GeneratedSequence>(Serializer.SerializeToArray(wire));
        var received = WireSequences.FromWire([7, 8], Assert.IsType<GeneratedSequence>(arrived));

        Assert.Equal(finish, received.Finish);
        Assert.Equal(sent.Tokens, received.Tokens);
        Assert.Equal(sent.LogProbs, received.LogProbs);
        Assert.Equal(sent.PromptTokens, received.PromptTokens);
        Assert.NotNull(received.Routing);
        for (int l = 0; l < 2; l++)
            for (int p = 0; p < 3; p++)
                Assert.Equal(routing.At(l, p).ToArray(), received.Routing!.At(l, p).ToArray());
    }
}

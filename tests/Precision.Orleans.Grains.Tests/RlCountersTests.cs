using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Precision.Orleans.RL.Training;
using Xunit;

namespace Precision.Orleans.Grains.Tests;

/// <summary>The RL counters are on the Microsoft.Orleans meter: steps, groups and tokens add up; tokens/s is the latest step's.</summary>
public sealed class RlCountersTests
{
    [Fact]
    public void Steps_groups_and_tokens_add_up_and_tokens_per_second_is_the_latest_steps()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var counters = new RlCounters(factory);
        var totals = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this test's meter: silos of other test classes running in parallel publish the same instruments.
            if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Meter.Name == RlCounters.MeterName &&
                instrument.Name.StartsWith("precision-rl-", StringComparison.Ordinal))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => totals[instrument.Name] = totals.GetValueOrDefault(instrument.Name) + value);
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => totals[instrument.Name] = value);
        listener.Start();

        listener.RecordObservableInstruments();
        Assert.False(totals.ContainsKey("precision-rl-rollout-tokens-per-second"), "a rate before any step");
        counters.StepTrained(new IterationMetrics { Prompts = 4, ResponseTokens = 100, RolloutSeconds = 2 });
        counters.StepTrained(new IterationMetrics { Prompts = 4, ResponseTokens = 90, RolloutSeconds = 0.5 });
        listener.RecordObservableInstruments();

        Assert.Equal(2, totals["precision-rl-steps"]);
        Assert.Equal(8, totals["precision-rl-groups"]);
        Assert.Equal(190, totals["precision-rl-response-tokens"]);
        Assert.Equal(180, totals["precision-rl-rollout-tokens-per-second"]);
    }
}

using Precision.Orleans.Engine.Backends;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Tests.Training;
using Precision.Orleans.RL.Training;
using Xunit;

namespace Precision.Orleans.RL.Tests.Spec;

public sealed class DeviceSpecTests
{
    [Fact]
    public void Precision_device_defaults_to_cpu_round_trips_and_names_the_allowed_values()
    {
        using var run = new TinyRun();
        Assert.Equal(ComputeDevice.Cpu, run.Spec().Precision.Device);
        string cudaYaml = run.Yaml(train: "fp16", rollout: "fp16").Replace("  rollout: fp16\n", "  rollout: fp16\n  device: cuda\n");
        var cuda = run.Spec(cudaYaml);
        Assert.Equal(ComputeDevice.Cuda, cuda.Precision.Device);
        Assert.Equal(cuda, run.Spec(RunSpecWriter.ToYaml(cuda)));
        // The default is not written, so existing specs keep their trajectory hash.
        Assert.DoesNotContain("device", RunSpecWriter.ToYaml(run.Spec()));
        var e = Assert.Throws<RunSpecException>(() => run.Spec(cudaYaml.Replace("device: cuda", "device: tpu")));
        Assert.Contains("precision.device", e.Message);
        Assert.Contains("expected cpu or cuda", e.Message);
    }

    [Fact]
    public void A_cuda_run_without_a_cuda_backend_stops_with_one_line_before_any_work()
    {
        using var run = new TinyRun();
        string yaml = run.Yaml(train: "fp32", rollout: "fp32", iterations: 1).Replace("  rollout: fp32\n", "  rollout: fp32\n  device: cuda\n");
        var e = Assert.Throws<ComputeDeviceUnavailableException>(() => new RlTrainer(run.Spec(yaml), run.RunDir("cuda")).Run());
        Assert.StartsWith("device cuda:", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(File.Exists(Path.Combine(run.RunDir("cuda"), "metrics.jsonl")));
    }
}

global using RopeKernel = System.Action<ILGPU.Index1D, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, int, int, int, int>;
using ILGPU;
using ILGPU.Runtime;
using Precision.Orleans.Engine.Gpu.Kernels;

namespace Precision.Orleans.Engine.Gpu;

public sealed partial class GpuKernelSet
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape> _gemm = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<ushort>, ArrayView<float>, SplitKShape> _splitK = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int> _addBias = null!;
    private Action<Index1D, ArrayView<float>, int> _roundInPlace = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<ushort>, int> _packBits = null!;
    private Action<Index1D, ArrayView<ushort>, ArrayView<float>, int, int, int, int> _unpackBlock = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int> _addBlock = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _residual = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _swiGluForward = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _swiGluBackward = null!;
    private RopeKernel _ropeForward = null!, _ropeBackward = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, int> _rmsNormForward = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> _rmsNormBackwardInput = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> _rmsNormBackwardWeight = null!;
    private Action<Index1D, ArrayView<int>, ArrayView<float>, ArrayView<float>, int> _embeddingForward = null!;
    private Action<Index1D, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int> _embeddingBackward = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int> _tokenLogProbForward = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int> _tokenLogProbBackward = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionShape> _attentionScores = null!;
    private Action<Index1D, ArrayView<float>, int> _attentionSoftmax = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionShape> _attentionOutput = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionShape> _attentionOutputGradient = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, AttentionShape> _attentionSoftmaxBackward = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionShape> _attentionQueryGradient = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionShape> _attentionKeyValueGradient = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, int, int> _addRmsNorm = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> _rotary = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _siluAndMul = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<ushort>, ArrayView<ushort>, ArrayView<int>, ArrayView<int>, ArrayView<float>, DecodeShape> _decodeAttention = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<double>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, SamplingArgs> _sample = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, RouterShape> _routerForward = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, RouterShape> _routerBackward = null!;
    private Action<Index1D, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int, int> _combineForward = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, int, int, int> _combineBackwardOutput = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, int, int, int> _combineBackwardWeight = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<int>> _findNonFinite = null!;
    private Action<Index1D, ArrayView<float>, float> _scale = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<long>, ArrayView<float>> _tensorSumOfSquares = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamWScalars> _adamW = null!;

    /// <summary>Compiles every kernel once for the accelerator: PTX with inline FMA/unfused multiply-adds on CUDA, .NET code on ILGPU's CPU accelerator.</summary>
    private void LoadKernels()
    {
        if (_device.Kind == GpuAcceleratorKind.Cuda) LoadKernels<PtxMath>();
        else LoadKernels<HostMath>();
    }

    private void LoadKernels<TMath>() where TMath : struct, IDeviceMath
    {
        var a = _accelerator;
        _gemm = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape>(GemmKernel.MatMul<TMath>);
        _splitK = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<ushort>, ArrayView<float>, SplitKShape>(SplitKGemmKernel.Linear<TMath>);
        _addBias = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(ElementwiseKernels.AddBias);
        _roundInPlace = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int>(ElementwiseKernels.RoundInPlace);
        _packBits = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<ushort>, int>(ElementwiseKernels.PackBits);
        _unpackBlock = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<ushort>, ArrayView<float>, int, int, int, int>(ElementwiseKernels.UnpackBlock);
        _addBlock = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(ElementwiseKernels.AddBlock);
        _residual = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(ElementwiseKernels.Residual);
        _swiGluForward = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(ElementwiseKernels.SwiGluForward);
        _swiGluBackward = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(ElementwiseKernels.SwiGluBackward<TMath>);
        _ropeForward = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(ElementwiseKernels.RopeForward);
        _ropeBackward = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(ElementwiseKernels.RopeBackward);
        _rmsNormForward = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, int>(RowKernels.RmsNormForward);
        _rmsNormBackwardInput = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(RowKernels.RmsNormBackwardInput<TMath>);
        _rmsNormBackwardWeight = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(RowKernels.RmsNormBackwardWeight);
        _embeddingForward = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<float>, ArrayView<float>, int>(RowKernels.EmbeddingForward);
        _embeddingBackward = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int>(RowKernels.EmbeddingBackward);
        _tokenLogProbForward = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int>(RowKernels.TokenLogProbForward);
        _tokenLogProbBackward = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int>(RowKernels.TokenLogProbBackward);
        _attentionScores = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionShape>(AttentionKernels.Scores<TMath>);
        _attentionSoftmax = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int>(AttentionKernels.Softmax);
        _attentionOutput = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionShape>(AttentionKernels.Output<TMath>);
        _attentionOutputGradient = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionShape>(AttentionKernels.OutputGradient<TMath>);
        _attentionSoftmaxBackward = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, AttentionShape>(AttentionKernels.SoftmaxBackward);
        _attentionQueryGradient = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionShape>(AttentionKernels.QueryGradient<TMath>);
        _attentionKeyValueGradient = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionShape>(AttentionKernels.KeyValueGradient<TMath>);
        _addRmsNorm = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, int, int>(RolloutKernels.AddRmsNorm);
        _rotary = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(RolloutKernels.Rotary<TMath>);
        _siluAndMul = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(RolloutKernels.SiluAndMul);
        _decodeAttention = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<ushort>, ArrayView<ushort>, ArrayView<int>, ArrayView<int>, ArrayView<float>, DecodeShape>(RolloutKernels.DecodeAttention<TMath>);
        _sample = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, SamplingArgs>(SamplingKernels.Sample);
        _routerForward = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, RouterShape>(MoeKernels.RouterForward);
        _routerBackward = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, RouterShape>(MoeKernels.RouterBackward);
        _combineForward = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int, int>(MoeKernels.CombineForward);
        _combineBackwardOutput = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, int, int, int>(MoeKernels.CombineBackwardOutput);
        _combineBackwardWeight = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, int, int, int>(MoeKernels.CombineBackwardWeight);
        _findNonFinite = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>>(OptimizerKernels.FindNonFinite);
        _scale = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float>(OptimizerKernels.Scale);
        _tensorSumOfSquares = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<long>, ArrayView<float>>(OptimizerKernels.TensorSumOfSquares);
        _adamW = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamWScalars>(OptimizerKernels.AdamW<TMath>);
    }
}

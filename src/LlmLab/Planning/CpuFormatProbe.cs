using LlmLab.Tensors;

namespace LlmLab.Planning;

/// <summary>One weight format and shape's share of a CPU prefill and the rate the CPU backend's matrix product reached on it.</summary>
/// <param name="Format">The layers' storage format (BF16, Q8_0, Q4_K, …).</param>
/// <param name="WeightRows">Rows of the probed weight: the layer matrices' rows in this shape, cut to the probe's byte limit.</param>
/// <param name="Cols">Its columns (the product's k).</param>
/// <param name="XRows">Activation rows multiplied at once: batch × the prompt's first chunk (at most 512).</param>
/// <param name="FlopShare">Fraction of the layers' matrix FLOPs (2 per weight) in this format and shape.</param>
/// <param name="FlopsPerSecond">The probe's median rate, FLOP/s (2·n·m·k per product ÷ its time).</param>
public sealed record CpuFormatProbe(TensorFormat Format, int WeightRows, int Cols, int XRows, double FlopShare, double FlopsPerSecond);

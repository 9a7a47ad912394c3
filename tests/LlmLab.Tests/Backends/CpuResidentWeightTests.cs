using System.Runtime.InteropServices;
using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Formats;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Tests.Backends;

/// <summary>
/// The CPU backend gives each weight matrix a copy of its own in anonymous memory at load (what its products read),
/// counts that copy, not the mapping, as the weights' memory, and keeps tables only gathered from in the mapped file.
/// </summary>
public sealed unsafe class CpuResidentWeightTests
{
    [Theory]
    [InlineData(TensorFormat.BF16)]
    [InlineData(TensorFormat.F16)]
    [InlineData(TensorFormat.F32)]
    public void A_float_matrix_is_copied_byte_for_byte_and_the_copy_is_what_the_ledger_counts(TensorFormat format)
    {
        const int rows = 37, cols = 96;
        long bytes = format.ByteCount([rows, cols]);
        var stored = new byte[bytes];
        new Random(5).NextBytes(stored);
        for (int i = 1; i < stored.Length; i += 2) stored[i] &= 0x3F;   // finite values whatever the format
        var handle = GCHandle.Alloc(stored, GCHandleType.Pinned);
        try
        {
            using var backend = new CpuBackend();
            var view = new TensorView("blk.0.ffn_up.weight", format, [rows, cols], (byte*)handle.AddrOfPinnedObject(), bytes);
            var w = (CpuWeight)backend.LoadWeight(view);
            Assert.True(w.Resident);
            Assert.True(w.Data != view.Data, "the kernels should read a copy, not the mapped bytes");
            Assert.Equal(stored, new ReadOnlySpan<byte>(w.Data, (int)bytes).ToArray());
            Assert.Equal(bytes, backend.Memory[MemoryCategory.Weights]);
            w.Dispose();
            Assert.Equal(0, backend.Memory[MemoryCategory.Weights]);

            var table = (CpuWeight)backend.LoadGatherTable(view);
            Assert.False(table.Resident);
            Assert.True(table.Data == view.Data, "a gather table should stay where it lies");
            Assert.Equal(bytes, backend.Memory[MemoryCategory.Weights]);
            table.Dispose();
        }
        finally { handle.Free(); }
    }

    /// <summary>llama-tiny's head is a matrix of its own, so its embedding table is only gathered from; qwen2-tiny ties the head to the table.</summary>
    [Theory]
    [InlineData("llama-tiny", false)]
    [InlineData("qwen2-tiny", true)]
    public void The_embedding_table_is_copied_only_when_the_head_reads_it(string model, bool tied)
    {
        using var transformer = Transformer.Load(Fixtures.Model(model), new CpuBackend());
        var weights = transformer.Weights;
        Assert.Equal(tied, ReferenceEquals(weights.Embedding, weights.OutputHead));
        Assert.Equal(tied, ((CpuWeight)weights.Embedding).Resident);
        Assert.True(((CpuWeight)weights.OutputHead).Resident);
        foreach (var layer in weights.Layers)
            foreach (var m in new[] { layer.Query, layer.Key, layer.Value, layer.Output, layer.Gate, layer.Up, layer.Down })
                Assert.True(((CpuWeight)m).Resident, $"{m.Name} should be resident");
    }

    [Theory]
    [InlineData(1L << 30, 4L << 30, 16L << 30, true)]     // 3 GiB stay free
    [InlineData(3L << 30, 4L << 30, 16L << 30, true)]     // exactly the 1 GiB floor stays free
    [InlineData(7L << 29, 4L << 30, 16L << 30, false)]    // 3.5 GiB: half a GiB would stay
    [InlineData(10L << 30, 20L << 30, 256L << 30, false)] // 5 % of 256 GiB is 12.8 GiB: 10 GiB free is too little
    [InlineData(6L << 30, 20L << 30, 256L << 30, true)]
    public void A_copy_is_made_only_where_RAM_keeps_its_reserve_free(long bytes, long available, long total, bool copy) =>
        Assert.Equal(copy, CpuBackend.RoomForCopy(bytes, (available, total)));
}

using LlmLab.Backends;
using LlmLab.Measurement;
using static LlmLab.Notebooks.Formatting.Records.Quantities;

namespace LlmLab.Notebooks.Formatting.Records;

/// <summary>Lays out a <see cref="MemoryLedger"/>: what a backend holds now by category (weights, KV cache, activations, other) and its peak.</summary>
internal static class MemoryLedgerView
{
    /// <summary>One row of the category table.</summary>
    private sealed record CategoryRow(string Category, long Bytes, double MiB);

    public static RecordView Of(MemoryLedger ledger)
    {
        var held = ledger.Snapshot();
        var rows = Enum.GetValues<MemoryCategory>().Select(c => new CategoryRow(Name(c), held[c], Mebibytes(held[c]))).ToArray();
        var total = held.Values.Sum();
        var facts = new[]
        {
            new Fact("Held now", Bytes(total)),
            new Fact("Peak", Bytes(ledger.Peak)),
        };
        return new RecordView($"Memory held on {ledger.Device}", [new FactsBlock(facts), new TableBlock("Bytes by category", rows)]);
    }

    private static string Name(MemoryCategory category) => category switch
    {
        MemoryCategory.Weights => "weights",
        MemoryCategory.KvCache => "KV cache",
        MemoryCategory.Activations => "activations",
        _ => "other",
    };
}

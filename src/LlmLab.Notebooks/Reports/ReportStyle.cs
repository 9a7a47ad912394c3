namespace LlmLab.Notebooks.Reports;

/// <summary>The report's stylesheet: readable on screen and in print, no external fonts or assets.</summary>
internal static class ReportStyle
{
    public const string Css = """
        :root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --code: #f6f8fa; --ok: #1a7f37; --bad: #cf222e; --skip: #9a6700; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
        header, main, footer { max-width: 1100px; margin: 0 auto; padding: 0 24px; }
        header { padding-top: 24px; border-bottom: 1px solid var(--line); }
        header h1 { margin: 0 0 4px; font-size: 24px; }
        .summary, .meta, footer { color: var(--muted); font-size: 13px; }
        .summary .failed { color: var(--bad); font-weight: 600; }
        .cell { margin: 18px 0; }
        .cell-head { display: flex; gap: 12px; align-items: baseline; font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: var(--muted); }
        .status.ok { color: var(--ok); } .status.failed { color: var(--bad); font-weight: 600; } .status.not-run { color: var(--skip); }
        pre { margin: 4px 0; padding: 10px 12px; overflow-x: auto; font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: pre-wrap; word-break: break-word; }
        pre.source { background: var(--code); border: 1px solid var(--line); border-radius: 6px; }
        .outputs { margin-left: 12px; }
        pre.stream { padding: 4px 12px; } pre.stderr { color: var(--skip); background: #fff8c5; }
        .error { border-left: 4px solid var(--bad); background: #ffebe9; padding: 6px 12px; margin: 6px 0; }
        .error pre { padding: 4px 0; background: none; }
        .markdown img { max-width: 100%; }
        .markdown table, table.llmlab-table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
        .markdown th, .markdown td, table.llmlab-table th, table.llmlab-table td { border: 1px solid var(--line); padding: 4px 10px; }
        table.llmlab-table thead { background: var(--code); }
        .llmlab-table-note { color: var(--muted); font-size: 12px; }
        .llmlab-chart { min-height: 200px; }
        footer { border-top: 1px solid var(--line); padding-top: 12px; padding-bottom: 24px; margin-top: 32px; }
        """;
}

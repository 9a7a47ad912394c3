#!/usr/bin/env python3
"""Converts a Polyglot .dib notebook into an .ipynb for a Jupyter kernel, with cells added before and after.

usage: dib_to_ipynb.py NOTEBOOK.dib OUT.ipynb KERNEL_NAME [--before CODE] [--after CODE] [--after-error CODE] ...

--before cells come first (loading LlmLab), --after cells last; an --after-error cell is expected to fail and carries
the "raises-exception" tag, which nbclient honours and check.py verifies.

A .dib file is a sequence of cells, each opened by a line `#!csharp` or `#!markdown` (`#!meta` holds JSON metadata
and is dropped). Lines such as `#!llm-load` are magic commands inside a C# cell, not cell separators.
"""
import argparse
import json

CELL_KINDS = {"#!csharp": "code", "#!markdown": "markdown", "#!meta": "meta"}


def read_cells(path):
    cells, kind, lines = [], None, []
    with open(path, encoding="utf-8") as f:
        for line in f.read().splitlines():
            if line.strip() in CELL_KINDS:
                if kind is not None:
                    cells.append((kind, lines))
                kind, lines = CELL_KINDS[line.strip()], []
            elif kind is not None:
                lines.append(line)
    if kind is not None:
        cells.append((kind, lines))
    # A .dib cell's text is framed by blank lines; the notebook keeps only its body.
    return [(k, "\n".join(body).strip("\n")) for k, body in cells if k != "meta"]


def notebook(cells, kernel_name):
    def cell(index, kind, source):
        # nbformat 4.5 gives every cell an id.
        c = {"id": f"cell-{index}", "cell_type": kind, "metadata": {}, "source": source}
        if kind == "code-error":
            kind = c["cell_type"] = "code"
            c["metadata"]["tags"] = ["raises-exception"]
        if kind == "code":
            c.update(execution_count=None, outputs=[])
        return c

    return {
        "cells": [cell(i, k, s) for i, (k, s) in enumerate(cells, 1)],
        "metadata": {
            "kernelspec": {"name": kernel_name, "display_name": ".NET (C#)", "language": "C#"},
            "language_info": {"name": "C#", "file_extension": ".cs"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("kernel_name")
    parser.add_argument("--before", action="append", default=[])
    parser.add_argument("--after", action="append", default=[], type=lambda s: ("code", s), dest="after")
    parser.add_argument("--after-error", action="append", type=lambda s: ("code-error", s), dest="after")
    args = parser.parse_args()
    cells = [("code", s) for s in args.before] + read_cells(args.source) + args.after
    with open(args.target, "w", encoding="utf-8") as f:
        json.dump(notebook(cells, args.kernel_name), f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()

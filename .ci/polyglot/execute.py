#!/usr/bin/env python3
"""Runs an .ipynb in a Jupyter kernel with nbclient (the library behind jupyter-execute) and writes it executed.

usage: execute.py IN.ipynb OUT.ipynb KERNEL_NAME WORKING_DIR [CELL_TIMEOUT_S]

Every cell runs even after an error, so the executed notebook shows all of them; check.py judges the outputs.
The kernel starts in WORKING_DIR (the repository root, where the studies find data/models).
"""
import sys

import nbformat
from nbclient import NotebookClient


def main(argv):
    if len(argv) < 5:
        sys.exit(__doc__)
    source, target, kernel_name, cwd = argv[1:5]
    timeout = int(argv[5]) if len(argv) > 5 else 600
    nb = nbformat.read(source, as_version=4)
    client = NotebookClient(
        nb, kernel_name=kernel_name, timeout=timeout, startup_timeout=120, allow_errors=True,
        resources={"metadata": {"path": cwd}})
    try:
        client.execute()
    finally:
        nbformat.write(nb, target)


if __name__ == "__main__":
    main(sys.argv)

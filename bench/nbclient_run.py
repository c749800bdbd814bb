"""Runs notebooks with nbclient, as `nbrun run IN OUT` does: read, execute, write.

Usage: /usr/bin/python3 bench/nbclient_run.py IN OUT [IN OUT ...]
Pairs run one after another in this one process, each with a fresh kernel (nbclient's
default), the kernel's working directory being the input notebook's folder.
"""
import os
import sys

import nbformat
from nbclient import NotebookClient


def run(src: str, dst: str) -> None:
    nb = nbformat.read(src, as_version=4)
    folder = os.path.dirname(os.path.abspath(src))
    NotebookClient(nb, resources={"metadata": {"path": folder}}).execute()
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    nbformat.write(nb, dst)


def main(argv: list) -> int:
    pairs = argv[1:]
    if not pairs or len(pairs) % 2:
        print(__doc__, file=sys.stderr)
        return 2
    for i in range(0, len(pairs), 2):
        run(pairs[i], pairs[i + 1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

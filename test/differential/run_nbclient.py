#!/usr/bin/python3
"""Executes a notebook with nbclient (Debian's python3-nbclient), the reference nbrun is
compared against in the differential test.

Usage: /usr/bin/python3 run_nbclient.py IN.ipynb OUT.ipynb [--kernel NAME] [--timeout SECONDS]

Errors are allowed (allow_errors=True) so that every cell runs and both engines can be
compared cell by cell; the output is written with nbformat's own writer. Exit status 0
when the notebook was written, 1 otherwise (message on stderr).
"""
import argparse
import os
import sys

import nbclient
import nbformat


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--kernel", default="", help="kernelspec name (default: the notebook's)")
    parser.add_argument("--timeout", type=int, default=120, help="per-cell timeout in seconds")
    args = parser.parse_args()

    nb = nbformat.read(args.input, as_version=4)
    # nbrun upgrades 4.0-4.4 to 4.5 (cell ids), as nbformat's own upgrade does: compare the same version.
    if nb.nbformat_minor < 5:
        nb = nbformat.v4.upgrade(nb, from_version=4, from_minor=nb.nbformat_minor)
    client = nbclient.NotebookClient(
        nb,
        kernel_name=args.kernel,
        allow_errors=True,
        timeout=args.timeout,
        # Same working directory nbrun uses by default: the input notebook's folder.
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(args.input))}},
    )
    try:
        client.execute()
    except Exception as exc:  # a dead kernel or a timeout: still write what ran
        print(f"run_nbclient: {args.input}: {type(exc).__name__}: {exc}", file=sys.stderr)
        nbformat.write(nb, args.output)
        return 1
    nbformat.write(nb, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())

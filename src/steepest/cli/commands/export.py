"""``steepest export``: a saved model as an ONNX graph, a standalone Python file or
JSON weights."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from ...errors import ConfigError
from ...export import FORMATS, format_for
from ...export.python_code import INLINE_LIMIT, export_python, weights_path
from ...io import load
from ..command import Command, Console
from ..files import check_export_output
from ..options import Defaults, add_output_options, non_empty


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", type=non_empty, metavar="MODEL", help="a saved model file")
    parser.add_argument("--format", choices=list(FORMATS), metavar="FORMAT",
                        help="; ".join(f"{f.name}: {f.summary}" for f in FORMATS.values())
                        + " (default: the one --out's suffix names: "
                        + ", ".join(f.suffix for f in FORMATS.values()) + ")")
    parser.add_argument("--out", type=non_empty, metavar="FILE",
                        help="file to write (default: MODEL's name with the format's suffix; "
                        "for python, with _ for characters a module name cannot hold)")
    parser.add_argument("--force", action="store_true",
                        help="replace an earlier export at --out (never another file, such as "
                        "a model or your data) (default: off, an earlier export is kept and "
                        "the command refused)")
    parser.add_argument("--weights", choices=("inline", "npz"),
                        help="python: the weights in the file itself, or in NAME_weights.npz "
                        f"beside it (default: inline for up to {INLINE_LIMIT:,} parameters)")
    add_output_options(parser, Defaults(), out=False)


def run(args: argparse.Namespace, console: Console) -> int:
    if args.format is None and args.out is None:
        raise ConfigError("name a format with --format (" + ", ".join(FORMATS) + ") or a file "
                          "with --out ending in " + ", ".join(f.suffix for f in FORMATS.values()))
    chosen = format_for(args.out or "", args.format)
    if args.weights is not None and chosen.name != "python":
        raise ConfigError(f"--weights is for --format python, not {chosen.name}")
    out = Path(args.out) if args.out else default_path(Path(args.model), chosen.suffix)
    net = load(args.model)
    # export_python's own choice, made here so that a weights file is checked only if written
    inline = (args.weights == "inline" if args.weights is not None
              else net.n_params <= INLINE_LIMIT)
    targets = [out] if chosen.name != "python" or inline else [out, weights_path(out)]
    for target in targets:
        if target.resolve() == Path(args.model).resolve():
            raise ConfigError(f"{target} is the model being exported; give --out another name")
        check_export_output(target, "--out" if target == out else "the weights file",
                            force=args.force)
    if chosen.name == "python":
        written = export_python(net, out, inline=inline)
    else:
        written = chosen.write(net, out)
    if args.json:
        console.json({"model": str(Path(args.model).resolve()), "format": chosen.name,
                      "written": [str(p.resolve()) for p in written]})
        return 0
    for path in written:
        console.print(f"wrote {path.resolve()}")
    return 0


def default_path(model: Path, suffix: str) -> Path:
    """``MODEL`` with ``suffix``, in the current folder; a Python file's name is made
    one a module can have (``digits-model.npz`` -> ``digits_model.py``)."""
    stem = model.stem
    if suffix == ".py":
        stem = re.sub(r"\W", "_", stem)
        stem = stem if stem[:1].isalpha() else f"model_{stem}"
    return Path(stem + suffix)


COMMAND = Command(
    "export", "write a saved model as ONNX, a standalone Python file or JSON weights",
    add_arguments, run,
    description="Write a saved model in another format: " + "; ".join(
        f"{f.name} ({f.suffix}): {f.summary}" for f in FORMATS.values()) + ". Only "
    "steepest's own activations can be exported.")

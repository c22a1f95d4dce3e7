"""`feoc schema NAME [--out FILE] [--rules DIR]`: the JSON Schema of a dataset file or of an output, generated
from the models (`feoc.schemas`), written by the one JSON writer (`render/json.dumps`: sorted keys)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from feoc.cli.app import app, fail_input, load_law, note, say
from feoc.cli.output import emit
from feoc.schemas import NAMES, NAMES_HELP

SchemaName = Enum("SchemaName", [(n, n) for n in NAMES], type=str)  # type: ignore[misc]
_LISTED = "; ".join(f"{n}: {what}" for n, what in NAMES_HELP.items())


@app.command(help=f"Print the JSON Schema NAME ({_LISTED}). Exit 0 printed or written, 2 input or output error.")
def schema(name: SchemaName = typer.Argument(..., metavar="NAME", help=f"one of: {', '.join(NAMES)}"),
           out: Path | None = typer.Option(None, "--out", help="write the schema to FILE (atomically), not stdout"),
           rules: Path | None = typer.Option(None, "--rules", help=(
               "dataset only: fold this rules folder's vocabulary (rules/vocabulary.yaml) in as enums; without "
               "it the words of the law are any text, and the schema fits every rules folder"))) -> None:
    from feoc.data.problems import InputError
    from feoc.render.json import dumps
    from feoc.schemas import load
    from feoc.schemas.dataset import dataset_schema

    if rules is not None and name.value != "dataset":
        typer.echo(f"--rules applies to `feoc schema dataset` only (the vocabulary of a dataset file); "
                   f"remove it for `{name.value}`", err=True)
        raise typer.Exit(2)
    try:
        body = dataset_schema(load_law(rules).vocabulary) if rules is not None else load(name.value)
    except InputError as exc:
        fail_input(exc)
        return
    text = dumps(body)
    if out is None:
        emit(text, nl=False)
        return
    _write(out, text, rules)
    note(f"{out}: the JSON Schema {name.value}")


def _write(out: Path, text: str, rules: Path | None) -> None:
    """`--out FILE` as `screen --out`: a folder, a link, a device or a file inside the rules folder is refused;
    written atomically under the folder's lock; a refusal or an I/O fault is one line and exit 2."""
    from feoc.render.outdir import OutputError, refuse_folder_target, write_output_file

    try:
        refuse_folder_target(out, (rules,) if rules is not None else ())
        write_output_file(out, text)
    except OutputError as exc:
        say(exc)
        raise typer.Exit(2) from None

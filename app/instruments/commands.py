"""`flask instruments check FILE...`, `publish FILE` and `use CODE NUMBER`."""
from pathlib import Path

import click
from sqlalchemy import select

from app.extensions import db
from app.instruments import bp
from app.instruments.definition import Problem, parse_text
from app.instruments.models import InstrumentVersion, publish, use_version

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@bp.cli.command("check")
@click.argument("files", nargs=-1, required=True, type=FILE)
def check(files):
    """List every problem in each instrument FILE; exit 1 if there is any."""
    failed = False
    for path in files:
        instrument, problems = _read(path)
        if problems:
            failed = True
            click.echo(f"{path}: {len(problems)} problem(s)", err=True)
        else:
            click.echo(f"{path}: OK, {instrument.code}: {len(instrument.sections)} sections, "
                       f"{len(instrument.questions)} questions")
    if failed:
        raise SystemExit(1)


@bp.cli.command("publish")
@click.argument("file", type=FILE)
@click.option("--no-use", is_flag=True, help="Store the version but keep new assessments on the current one.")
def publish_command(file, no_use):
    """Store FILE as a new immutable version (unless its content is already published)."""
    instrument, problems = _read(file)
    if problems:
        raise SystemExit(f"{file}: not published, {len(problems)} problem(s).")
    version, created = publish(db.session, instrument, file.read_text(encoding="utf-8"), use=not no_use)
    db.session.commit()
    click.echo(f"{'Published' if created else 'Unchanged, already published as'} {version.label}"
               f"{'; new assessments use it' if not no_use else ''}.")


@bp.cli.command("use")
@click.argument("code")
@click.argument("number", type=int)
def use(code, number):
    """Start new assessments of instrument CODE with its published version NUMBER."""
    version = db.session.scalar(select(InstrumentVersion).where(
        InstrumentVersion.code == code, InstrumentVersion.number == number))
    if version is None:
        raise SystemExit(f"No published version {number} of {code!r}.")
    use_version(db.session, version)
    db.session.commit()
    click.echo(f"New assessments use {version.label}.")


def _read(path):
    """(instrument, problems) of the file at `path`, each problem echoed as FILE:LINE: place: message."""
    try:
        instrument, problems = parse_text(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        instrument, problems = None, [Problem(None, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    for problem in problems:
        click.echo(f"{path}:{problem}", err=True)
    return instrument, problems

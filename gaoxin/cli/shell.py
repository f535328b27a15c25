"""The one place where the command line turns a service error into a Chinese message and an exit
code (1: the request could not be carried out; typer's own usage errors exit with 2)."""
from __future__ import annotations

from contextlib import contextmanager

import typer
from rich.console import Console

err = Console(stderr=True)


def fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]错误：[/]{message}")
    raise typer.Exit(code)


@contextmanager
def service_errors():
    """Run service calls; a gaoxin.services error ends the command with its Chinese message."""
    from gaoxin.services.errors import ServiceError
    try:
        yield
    except ServiceError as exc:
        fail(str(exc), 1)


@contextmanager
def session(url: str | None = None):
    """One database transaction for a command, with service errors reported in Chinese."""
    from gaoxin.services.db import session_scope
    with service_errors(), session_scope(url) as s:
        yield s

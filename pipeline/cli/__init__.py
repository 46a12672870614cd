"""The ``paperdraft`` command line (:mod:`pipeline.cli.app`)."""

from pipeline.cli.app import app, main

__all__ = ["app", "main"]

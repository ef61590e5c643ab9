"""The ``dlfs-grade`` command line: a thin layer over ``dlfs.autograder``'s Python API."""

from .main import cli, main

__all__ = ["cli", "main"]

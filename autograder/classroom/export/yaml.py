"""A small YAML writer for the manifests and workflows the exports write.

Mappings, sequences, strings, numbers and booleans only; every string is written quoted as a
JSON string (which YAML reads as the same string), so that no value is read as another type
(``on``, ``yes``, ``1.10``) or breaks the layout. Multi-line strings are written as literal
blocks (``|``), as shell steps read best.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["to_yaml"]


def to_yaml(data: Any, indent: int = 0) -> str:
    """``data`` as a YAML document (or, with ``indent``, a nested block)."""
    return "".join(_lines(data, indent))


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(str(value), ensure_ascii=False)


def _key(key: Any) -> str:
    text = str(key)
    plain = text.replace("-", "").replace("_", "").replace("/", "").replace(".", "").isalnum()
    return (
        text
        if plain and text not in ("on", "yes", "no", "true", "false", "null")
        else (json.dumps(text))
    )


def _lines(data: Any, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(data, dict):
        out = []
        for key, value in data.items():
            out += _entry(f"{pad}{_key(key)}:", value, indent)
        return out or [f"{pad}{{}}\n"]
    if isinstance(data, list):
        out = []
        for item in data:
            out += _entry(f"{pad}-", item, indent, item=True)
        return out or [f"{pad}[]\n"]
    return [f"{pad}{_scalar(data)}\n"]


def _entry(head: str, value: Any, indent: int, item: bool = False) -> list[str]:
    """``head`` (``key:`` or ``-``) with ``value``: inline when a scalar, else nested."""
    if isinstance(value, str) and "\n" in value:
        body = "".join(
            f"{' ' * (indent + 2)}{line}\n" if line else "\n"
            for line in value.rstrip("\n").split("\n")
        )
        chomp = "" if value.endswith("\n") else "-"  # "|-": no newline at the end
        return [f"{head} |{chomp}\n", body]
    if isinstance(value, dict | list) and value:
        if item and isinstance(value, dict):  # "- key: value" then the rest under it
            nested = _lines(value, indent + 2)
            return [f"{head} {nested[0].lstrip()}", *nested[1:]]
        return [f"{head}\n", *_lines(value, indent + 2)]
    if isinstance(value, dict | list):
        return [f"{head} {'{}' if isinstance(value, dict) else '[]'}\n"]
    return [f"{head} {_scalar(value)}\n"]

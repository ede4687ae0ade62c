"""`code_or_under(column, code)`: a code or one below it in a dotted taxonomy, from an index.

`code = 'space' OR code LIKE 'space.%'` reads an index on neither backend by default:
SQLite's LIKE ignores case, so it cannot use a BINARY index (and an OR of an equality and
a range made SQLite scan the whole index), and PostgreSQL uses an index for LIKE only under
the C collation or with `text_pattern_ops`. The clause is therefore written per backend:

- SQLite: one range, `code >= 'space' AND code < 'space/'` ('/' follows '.' in bytes, and
  SQLite's BINARY collation compares bytes), then `code = 'space' OR substr(code, 6, 1) =
  '.'` on the few rows of the range, so "space-x" is left out (and "spacecraft" is not in
  the range at all);
- PostgreSQL: `code = 'space' OR code LIKE 'space.%'` (wildcards escaped), two index
  conditions on the `text_pattern_ops` index of `org_capability (code, organisation_id)`,
  right under any database collation (a range would not be under a language collation
  such as en_US, which skips punctuation).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, func, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.sqltypes import NullType
from sqlalchemy.sql.visitors import InternalTraversal

SEPARATOR = "."
AFTER_SEPARATOR = chr(ord(SEPARATOR) + 1)  # "/"


def like_escaped(text: str) -> str:
    """`text` with LIKE's wildcards and the escape character escaped by a backslash."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class CodeOrUnder(ColumnElement[Any]):
    """True when `column` is `code` or starts with `code` + "."; values are bound."""

    inherit_cache = True
    # no Boolean type: SQLite (no native booleans) would compare it with 1, off the index
    type = NullType()
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("code", InternalTraversal.dp_clauseelement),
        ("high", InternalTraversal.dp_clauseelement),
        ("separator", InternalTraversal.dp_clauseelement),
        ("position", InternalTraversal.dp_clauseelement),
        ("pattern", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[str], code: str) -> None:
        self.column = column
        self.code = bindparam(None, code, type_=String())
        self.high = bindparam(None, code + AFTER_SEPARATOR, type_=String())
        self.separator = bindparam(None, SEPARATOR, type_=String())
        self.position = bindparam(None, len(code) + 1, type_=Integer())
        self.pattern = bindparam(None, like_escaped(code + SEPARATOR) + "%", type_=String())


def code_or_under(column: Any, code: str) -> CodeOrUnder:
    """The clause "`column` is `code` or a code below it"."""
    return CodeOrUnder(column, code)


@compiles(CodeOrUnder)
def _range(element: CodeOrUnder, compiler: Any, **kw: Any) -> str:
    column = element.column
    below = func.substr(column, element.position, 1) == element.separator
    clause = and_(column >= element.code, column < element.high, or_(column == element.code, below))
    return compiler.process(clause.self_group(), **kw)


@compiles(CodeOrUnder, "postgresql")
def _like(element: CodeOrUnder, compiler: Any, **kw: Any) -> str:
    column = element.column
    clause = or_(column == element.code, column.like(element.pattern, escape="\\"))
    return compiler.process(clause.self_group(), **kw)

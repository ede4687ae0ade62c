"""Text filters of the directory written per backend, so each is read from an index.

- `name_contains(id, name_key, q)`: the name or an alias contains `q` (normalised like the
  names). On PostgreSQL, for a key of 3 characters or more without wildcards, the ids of
  `organisation` and `alias` rows whose `name_key` is LIKE '%key%', as one
  `id IN (... UNION ALL ...)`, read from the `pg_trgm` GIN indexes of migration 0014
  (an OR of the two reads neither index). Shorter keys, and SQLite, keep the scan:
  `name_key LIKE '%key%' OR id IN (aliases LIKE '%key%')` (on SQLite the scan stops
  after a page or the count's cap; see docs/scaling.md §3). Without the indexes (no
  pg_trgm on the server) PostgreSQL answers the same rows by scanning.
- `starts_with(column, prefix)`: the value starts with `prefix`. On SQLite, the range
  `column >= prefix AND column < prefix || U+10FFFF` (its LIKE ignores case, so it reads no
  BINARY index); elsewhere `LIKE 'prefix%'`. Both compare case-sensitively, as PostgreSQL
  always did, and the values compared (NUTS codes) are stored upper-case.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ARRAY, Integer, String, any_, bindparam, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.sqltypes import NullType
from sqlalchemy.sql.visitors import InternalTraversal

from filiera.directory.codes import like_escaped
from filiera.registry.models import Alias, Organisation
from filiera.registry.names import normalise_name

TRIGRAM = 3  # pg_trgm reads an index only for keys with a run of 3 characters or more
WILDCARDS = ("%", "_", "\\")
LAST_CHARACTER = "\U0010ffff"  # sorts after every character (UTF-8 bytes, BINARY)
NAMED = aliased(Organisation, name="named")  # the inner organisation of the id list


def name_key_of(q: str) -> str:
    """The key a name query is compared with: normalised like `Organisation.name_key`."""
    return normalise_name(q) or q.casefold()


def by_trigrams(key: str) -> bool:
    """Whether a key is long enough, and plain enough, for the trigram indexes."""
    return len(key) >= TRIGRAM and not any(char in key for char in WILDCARDS)


class NameContains(ColumnElement[Any]):
    """True when the organisation's name key or one of its aliases' contains `key`."""

    inherit_cache = True
    type = NullType()  # no Boolean type: SQLite would compare it with 1
    _traverse_internals = [
        ("org_id", InternalTraversal.dp_clauseelement),
        ("name_key", InternalTraversal.dp_clauseelement),
        ("pattern", InternalTraversal.dp_clauseelement),
        ("trigrams", InternalTraversal.dp_boolean),
    ]

    def __init__(self, org_id: ColumnElement[int], name_key: ColumnElement[str], key: str):
        self.org_id = org_id
        self.name_key = name_key
        self.pattern = bindparam(None, f"%{key}%", type_=String())
        self.trigrams = by_trigrams(key)


def name_contains(org_id: Any, name_key: Any, q: str) -> NameContains:
    """The clause "the name or an alias contains `q`" for organisation columns."""
    return NameContains(org_id, name_key, name_key_of(q))


def alias_owners(session: Session, q: str) -> list[int] | None:
    """On PostgreSQL, for a key the trigram indexes read, the organisations with an alias
    containing `q` (visible or not: only a filter of a listing that applies visibility
    itself); None elsewhere. With them a listing's search is `name_key LIKE '%key%' OR id =
    ANY(owners)`, which PostgreSQL reads as one bitmap OR of two indexes (an OR with an alias
    sub-select reads none; an id list of names and aliases rechecked ~2,000 rows twice)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    key = name_key_of(q)
    if not by_trigrams(key):
        return None
    owners = select(Alias.organisation_id).where(Alias.name_key.like(f"%{key}%")).distinct()
    return sorted(session.scalars(owners))


def name_or_alias(name_key: Any, org_id: Any, q: str, owners: list[int]) -> ColumnElement[bool]:
    """The name contains `q`, or the organisation is one of `owners` (see `alias_owners`)."""
    contains = name_key.like(f"%{name_key_of(q)}%")
    if not owners:
        return contains
    return or_(contains, org_id == any_(bindparam(None, owners, type_=ARRAY(Integer))))


def _scan(element: NameContains) -> ColumnElement[bool]:
    aliases = select(Alias.organisation_id).where(Alias.name_key.like(element.pattern))
    return or_(element.name_key.like(element.pattern), element.org_id.in_(aliases))


@compiles(NameContains)
def _name_scan(element: NameContains, compiler: Any, **kw: Any) -> str:
    return compiler.process(_scan(element).self_group(), **kw)


@compiles(NameContains, "postgresql")
def _name_trigrams(element: NameContains, compiler: Any, **kw: Any) -> str:
    if not element.trigrams:
        return compiler.process(_scan(element).self_group(), **kw)
    named = select(NAMED.id).where(NAMED.name_key.like(element.pattern))
    aliases = select(Alias.organisation_id).where(Alias.name_key.like(element.pattern))
    # `= ANY (ARRAY(...))`, not `IN (...)`: the list is built once and its ids are read by
    # primary key; for `IN` the planner guessed 200 matches and scanned every organisation
    # (with the visibility sub-plans of a member) to hash-join them (150 ms at 100,000).
    ids = compiler.process(named.union_all(aliases), **kw)
    return f"({compiler.process(element.org_id, **kw)} = ANY (ARRAY({ids})))"


class StartsWith(ColumnElement[Any]):
    """True when `column` starts with `prefix`; values are bound."""

    inherit_cache = True
    type = NullType()
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("prefix", InternalTraversal.dp_clauseelement),
        ("high", InternalTraversal.dp_clauseelement),
        ("pattern", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[str], prefix: str) -> None:
        self.column = column
        self.prefix = bindparam(None, prefix, type_=String())
        self.high = bindparam(None, prefix + LAST_CHARACTER, type_=String())
        self.pattern = bindparam(None, like_escaped(prefix) + "%", type_=String())


def starts_with(column: Any, prefix: str) -> StartsWith:
    """The clause "`column` starts with `prefix`"."""
    return StartsWith(column, prefix)


@compiles(StartsWith)
def _like(element: StartsWith, compiler: Any, **kw: Any) -> str:
    # wildcards escaped: `_` and `%` are plain characters, as in the SQLite range
    like = element.column.like(element.pattern, escape="\\")
    return compiler.process(like.self_group(), **kw)


@compiles(StartsWith, "sqlite")
def _range(element: StartsWith, compiler: Any, **kw: Any) -> str:
    column = element.column
    clause = (column >= element.prefix) & (column < element.high)
    return compiler.process(clause.self_group(), **kw)

"""Small selects compiled once per dialect and run on a DBAPI cursor (hot read paths)."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from typing import Any

from sqlalchemy import or_
from sqlalchemy.engine import Dialect


def one_of(column, values: tuple[str, ...]):
    """``column IN values`` as an OR of plain binds: an IN list is expanded per call, which
    would leave no fixed SQL to prepare."""
    return or_(*(column == value for value in values))


class PreparedSelect:
    """A select compiled once for a dialect, run on a DBAPI cursor with SQLAlchemy's own bind
    and result conversions; rows come back as named tuples.

    SQLAlchemy's per-call statement handling (cache key, compiled cache, execution context,
    result metadata) costs several times what SQLite takes to answer a small indexed lookup;
    a cold profile page asks for several of them.
    """

    def __init__(self, statement, dialect: Dialect, names: tuple[str, ...]) -> None:
        """``names``: the parameters given on each call (the other binds are constants)."""
        compiled = statement.compile(dialect=dialect)
        self.dialect = dialect
        self.statement = statement
        self.sql = str(compiled)

        def converter(name: str) -> Callable[[Any], Any]:
            process = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            return process or (lambda value: value)

        fixed = compiled.construct_params({n: None for n in names})
        self._fixed = {k: converter(k)(v) for k, v in fixed.items() if k not in names}
        self._convert = {n: converter(n) for n in names}
        self._order = list(compiled.positiontup or ()) if compiled.positional else None
        self.row = namedtuple("Row", [c.name for c in statement.selected_columns])  # type: ignore[misc]
        # (column, conversion) for the columns that have one; some drivers' conversions
        # depend on the type codes a first execution reports.
        self._converters: list[tuple[int, Callable[[Any], Any]]] | None = None

    def all(self, cursor: Any, **params: Any) -> list[Any]:
        given = {k: self._convert[k](v) for k, v in params.items()}
        if self._order is None:
            cursor.execute(self.sql, {**self._fixed, **given})
        else:
            fixed = self._fixed
            cursor.execute(self.sql, [given[n] if n in given else fixed[n] for n in self._order])
        fetched = cursor.fetchall()
        if self._converters is None:
            self._converters = [
                (i, fn)
                for i, (column, info) in enumerate(
                    zip(self.statement.selected_columns, cursor.description)
                )
                if (
                    fn := column.type.dialect_impl(self.dialect).result_processor(
                        self.dialect, info[1]
                    )
                )
                is not None
            ]
        make, converters = self.row._make, self._converters
        rows = []
        for fetched_row in fetched:
            row = list(fetched_row)
            for i, fn in converters:
                row[i] = fn(row[i])
            rows.append(make(row))
        return rows

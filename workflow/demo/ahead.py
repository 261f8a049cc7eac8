"""Generate the demo tables in a thread of their own while the first ones load.

The generator makes the catalogue, customers, orders and items first (about
a third of its time at 1M orders), then payments, shipments and the stock
ledger from them. Made in a thread, each table is handed over as soon as it
exists, so the database loads the early tables on the other core while the
later ones are made; numpy releases the interpreter lock in its array loops.

`tables_made_ahead(...)` gives the tables as `generate_tables` does, in the
caller's thread; an error in the generator is raised there. A caller that
stops early (its load failed) stops the generator at the next table.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from datetime import datetime

from workflow.demo.generate import Columns, generate_tables

__all__ = ["MadeAhead", "tables_made_ahead"]


class MadeAhead:
    """The tables, made in a thread; `seconds` is how long making them took
    (set once the last one is made)."""

    def __init__(self, *, orders: int, days: int, seed: int, now: datetime | None) -> None:
        self.seconds = 0.0
        self._handed: queue.Queue[tuple[str, Columns] | BaseException | None] = queue.Queue()
        self._stop = threading.Event()
        arguments = {"orders": orders, "days": days, "seed": seed, "now": now}
        self._thread = threading.Thread(target=self._make, kwargs=arguments, name="demo-generate", daemon=True)
        self._thread.start()

    def _make(self, **arguments: object) -> None:
        started = time.perf_counter()
        try:
            for table in generate_tables(**arguments):  # type: ignore[arg-type]
                if self._stop.is_set():
                    return
                self._handed.put(table)
            self.seconds = time.perf_counter() - started
            self._handed.put(None)
        except BaseException as error:  # handed to the caller's thread, raised there
            self._handed.put(error)

    def __iter__(self) -> Iterator[tuple[str, Columns]]:
        try:
            while (item := self._handed.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self._stop.set()


def tables_made_ahead(*, orders: int, days: int, seed: int, now: datetime | None) -> MadeAhead:
    """Start making the demo tables in a thread; iterate the result for them."""
    return MadeAhead(orders=orders, days=days, seed=seed, now=now)

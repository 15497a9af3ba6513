"""The pages `make bench` measures.

Each later issue that adds a page appends it to ``PAGES``. A page's ``path`` is either a plain string
or a function taking no arguments that returns one; the function runs after Django is set up against
the benchmark database (filled by ``load_demo --scale``), so it may look up objects or ``reverse()``
a URL that needs a slug or primary key.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    name: str
    path: str | Callable[[], str]

    def resolve_path(self) -> str:
        return self.path() if callable(self.path) else self.path


PAGES: list[Page] = [
    Page(name="home", path="/"),
]

"""The table every bench script ends with: measure, value, notes."""

from __future__ import annotations


def print_table(rows: list[tuple[str, str, str]], heading: str = "measure") -> None:
    width = max(len(r[0]) for r in [(heading, "", ""), *rows])
    print(f"\n{heading:<{width}}  {'value':>10}  notes")
    print("-" * (width + 40))
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>10}  {note}")

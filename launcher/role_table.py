"""The README's role table, printed from the services' access policies (the tables the code enforces).

python -m launcher.role_table            print it
python -m launcher.role_table --write    rewrite the README's section between the markers
python -m launcher.role_table --check    exit 1 when the README's section is out of date
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from services.billing.bootstrap import DEFINITION as BILLING
from services.members.bootstrap import DEFINITION as MEMBERS
from services.orders.bootstrap import DEFINITION as ORDERS
from shared.security.policy import RoutePolicy, markdown_table

README = Path(__file__).resolve().parents[1] / "README.md"
BEGIN = "<!-- role-table:begin (python -m launcher.role_table --write) -->"
END = "<!-- role-table:end -->"


def policies() -> list[RoutePolicy]:
    return [definition.access_policy() for definition in (MEMBERS, ORDERS, BILLING)]


def render() -> str:
    return markdown_table(policies())


def with_table(readme: str, table: str) -> str:
    """`readme` with the text between the markers replaced by `table`."""
    start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
    return readme[:start] + "\n" + table + "\n" + readme[end:]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m launcher.role_table", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite the README's role table")
    mode.add_argument("--check", action="store_true", help="fail when the README's table is stale")
    args = parser.parse_args(argv)
    table = render()
    if not (args.write or args.check):
        print(table)
        return 0
    current = README.read_text(encoding="utf-8")
    wanted = with_table(current, table)
    if args.write:
        README.write_text(wanted, encoding="utf-8")
        return 0
    if wanted != current:
        print("README.md: the role table is out of date; run python -m launcher.role_table --write")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

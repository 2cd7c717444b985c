"""Write envs/fighting/move_table.json from the competition's move documents.

The fighting game plays the AI² competition's moves from their data. Run this against a checkout
of the competition's repository (UTMIST/UTMIST-AI2) to refresh that data:

    python tools/import_ai2_moves.py path/to/UTMIST-AI2

It reads `environment/{unarmed,spear,hammer}_attacks/<Weapon> <Move>.json` (the folders the
competition's game loads) and writes one JSON document per weapon and move, unchanged.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

FOLDERS = {"Punch": "unarmed_attacks", "Spear": "spear_attacks", "Hammer": "hammer_attacks"}
MOVES = ("NLight", "DLight", "SLight", "NSig", "DSig", "SSig", "NAir", "DAir", "SAir", "Recovery", "Groundpound")
TABLE = Path(__file__).resolve().parents[1] / "envs" / "fighting" / "move_table.json"


def read_moves(repository: Path) -> dict[str, dict[str, dict]]:
    table: dict[str, dict[str, dict]] = {}
    for weapon, folder in FOLDERS.items():
        table[weapon] = {}
        for path in sorted((repository / "environment" / folder).glob("* *.json")):
            move = path.stem.split(" ", 1)[1]
            if move in MOVES:
                table[weapon][move] = json.loads(path.read_text())
        missing = set(MOVES) - set(table[weapon])
        if missing:
            raise SystemExit(f"{repository / 'environment' / folder}: no data for {sorted(missing)}")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repository", type=Path, help="a checkout of UTMIST/UTMIST-AI2")
    args = parser.parse_args()
    table = read_moves(args.repository)
    TABLE.write_text(json.dumps(table, separators=(",", ":"), sort_keys=False) + "\n")
    print(f"wrote {TABLE} ({sum(len(moves) for moves in table.values())} moves)")


if __name__ == "__main__":
    main()

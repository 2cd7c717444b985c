"""The `arena tt` command: `arena tt check SUBMISSION_OR_SB3_ZIP` (see `arena.agents.tt.check`)."""

from __future__ import annotations

import argparse
import json
import warnings
from dataclasses import asdict

from rich.markup import escape
from rich.table import Table

from arena import arguments
from arena.consoles import QuietOnBrokenPipe


out = QuietOnBrokenPipe(highlight=False, soft_wrap=True)
BACKENDS = ("auto", "ttnn", "reference")  # arena.agents.tt.backends.BACKENDS, without importing torch here


def add_tt_command(subparsers) -> None:
    """Add `tt` (with its `check` subcommand) to the `arena` command's subparsers."""
    tt = subparsers.add_parser(
        "tt",
        help="TTNN ports: run policies on Tenstorrent hardware",
        description="Tools for TTNN ports of stable-baselines3 policies (see help(arena.agents.tt)).",
        epilog="examples:\n"
        "  arena tt check submissions/tt_ppo_fighter\n"
        "  arena tt check --help       # its options",
        formatter_class=arguments.ParagraphsHelpFormatter,
    )
    commands = tt.add_subparsers(title="commands", metavar="COMMAND")
    check = commands.add_parser(
        "check",
        help="compare a policy's TTNN port with torch on real observations",
        description="Record observations of the torch policy playing its env, run the TTNN port and torch on "
        "them, and print the PCC of their outputs, the largest absolute error and how often their greedy "
        "actions agree. Exits 1 when the PCC is below 0.99 (an output that varies less than bfloat16 can "
        "follow, such as an untrained value head, is judged by its error instead). A submission's agent runs in this process: "
        "check your own or trusted code.",
        epilog="examples:\n"
        "  arena tt check submissions/tt_ppo_fighter\n"
        "  arena tt check model.zip --env fighting --observations 2000\n"
        "  arena tt check model.zip --env CartPole-v1 --backend reference",
        formatter_class=arguments.ParagraphsHelpFormatter,
    )
    check.add_argument("path", metavar="SUBMISSION_OR_SB3_ZIP",
                       help="a submission (folder or zip) whose agent keeps an SB3 model in self.model, or an SB3 model zip")
    check.add_argument("--env", help="arena env or Gymnasium id to record from (default: the manifest's env, or "
                                     "the arena env whose spaces fit the model)")
    check.add_argument("--observations", type=int, default=1000, help="observations to compare (default: 1000)")
    check.add_argument("--backend", default="auto", choices=BACKENDS,
                       help="where arena's port runs (default: auto, ttnn when a device is present)")
    check.add_argument("--seed", type=int, default=0, help="seed of the recorded rollout (default: 0)")
    check.add_argument("--json", action="store_true", help="print the report as one JSON object")
    check.set_defaults(run=_run_check)
    tt.set_defaults(run=lambda args: tt.print_help() or 2)


def _run_check(args: argparse.Namespace) -> int:
    from arena.agents.tt.backends import ReferenceFallback
    from arena.agents.tt.check import check

    # The fallback's reason (no ttnn, no card) is news for the user: shown as a note, not a Python warning.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReferenceFallback)
        report = check(args.path, env=args.env, observations=args.observations, backend=args.backend, seed=args.seed)
    notes = sorted({str(w.message) for w in caught if issubclass(w.category, ReferenceFallback)})
    if args.json:
        print(json.dumps({**asdict(report), "pcc": report.pcc, "passed": report.passed, "notes": notes}))
        return 0 if report.passed else 1
    for note in notes:
        if note != report.backend:  # arena's own port names the fallback's reason as its backend, just below
            out.print(f"[yellow]note:[/] {escape(note)}")
    out.print(f"[dim]backend:[/] {escape(report.backend)}")
    out.print(f"[dim]ported:[/] {escape(', '.join(report.ported) or 'nothing')}")
    table = Table("output", "PCC", "max abs error", "judged by", box=None)
    for label, comparison in ((report.action_label, report.actions), ("values", report.values)):
        judged = f"error (it barely varies: sd {comparison.spread:.3g})" if comparison.flat else "PCC"
        table.add_row(label, f"{comparison.pcc:.5f}", f"{comparison.max_abs_error:.4g}", judged)
    out.print(table)
    agree = round(report.agreement * report.observations)
    out.print(f"greedy actions agree: {agree}/{report.observations} ({report.agreement:.1%})")
    colour = "green" if report.passed else "red"
    out.print(f"[{colour}]{escape(report.summary())}[/]")
    return 0 if report.passed else 1

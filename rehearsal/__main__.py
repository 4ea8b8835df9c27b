"""`make rehearse`: play the synthesized template's lifecycle against the emulator.

    python -m rehearsal                              # create, then report
    python -m rehearsal --phases create,update,rollback,delete --throttle 0.3
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from personalize_filter.handler import replacement_name

from .cloudformation import Faults
from .session import Session, load, with_expression

ROOT = Path(__file__).resolve().parent.parent
# The storefront's PROMOTED column holds "True"/"N" (contract file): the fix a team would deploy.
DEFAULT_CHANGE = ("retaildemostore-filter-promoted-items",
                  'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("Purchase") | INCLUDE ItemID WHERE ITEMS.PROMOTED IN ("True")')
FAILING_CHANGE = ("retaildemostore-filter-cstore-products",
                  'EXCLUDE ItemID WHERE ITEMS.CATEGORY_L1 NOT IN ("cold dispensed", "hot dispensed", "salty snacks")')
EXPECTED = {"create": "CREATE_COMPLETE", "update": "UPDATE_COMPLETE", "rollback": "UPDATE_ROLLBACK_COMPLETE",
            "delete": "DELETE_COMPLETE"}


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m rehearsal", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--template", type=Path, help="template to play (default: the one in cdk.out/)")
    parser.add_argument("--phases", default="create",
                        help="comma-separated, in order: create, update, rollback, delete (default: create)")
    parser.add_argument("--change", metavar="FILTER=EXPRESSION", help="the update phase's expression change "
                        f"(default: {DEFAULT_CHANGE[0]} to PROMOTED IN (\"True\"))")
    parser.add_argument("--throttle", type=float, default=0.0, metavar="RATE", help="throttle this share of Personalize calls")
    parser.add_argument("--limit-exceeded", type=int, default=0, metavar="N", help="refuse the next N CreateFilter calls")
    parser.add_argument("--create-failed", metavar="FILTER", help="this filter ends CREATE FAILED")
    parser.add_argument("--existing-tracker", action="store_true", help="the storefront already made the tracker")
    parser.add_argument("--existing-filter", metavar="FILTER", help="this filter already exists (is adopted)")
    parser.add_argument("--delete-out-of-band", metavar="FILTER", help="delete this filter behind the stack's back before the later phases")
    parser.add_argument("--lambda-retries", action="store_true", help="deliver every on_event twice")
    parser.add_argument("--reports", type=Path, default=ROOT / "reports", metavar="DIR",
                        help="where the evaluation's JSON and HTML reports are copied (default: reports/)")
    parser.add_argument("--promoted-true", action="store_true",
                        help="the items data writes PROMOTED as True/N (the storefront's data trap)")
    parser.add_argument("--verbose", action="store_true", help="show every resource and the handlers' logs")
    return parser.parse_args(argv)


def default_template() -> Path:
    found = sorted((ROOT / "cdk.out").glob("*.template.json"))
    if len(found) != 1:
        raise SystemExit(f"expected one template in cdk.out/, found {len(found)}: run `make synth` first")
    return found[0]


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    os.environ["LOG_LEVEL"] = "INFO" if args.verbose else "CRITICAL"  # the handlers' own log level
    logging.basicConfig(level=logging.INFO if args.verbose else logging.CRITICAL, format="    %(message)s")
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = [p for p in phases if p not in EXPECTED]
    if unknown:
        raise SystemExit(f"--phases: unknown phase(s) {', '.join(unknown)} (known: {', '.join(EXPECTED)})")
    path = args.template or default_template()
    template = load(path)
    change = tuple(args.change.split("=", 1)) if args.change else DEFAULT_CHANGE

    def show(line: str) -> None:
        if args.verbose or "Custom" in line or "stack" in line or _is_custom(template, line):
            print(line, flush=True)

    print(f"rehearsing {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {', '.join(phases)}")
    with Session(template, log=show, faults=Faults(repeat_on_event=args.lambda_retries),
                 promoted_encoding="True" if args.promoted_true else "Y") as session:
        emulator = session.world.emulator
        if args.existing_tracker:
            session.world.existing_tracker()
        if args.existing_filter:
            session.world.existing_filter(args.existing_filter, _expression_of(template, args.existing_filter))
        session.world.settle(120)
        session.stack.started = session.world.clock.now()
        if args.throttle:
            emulator.faults.throttle(rate=args.throttle, seed=7)
        if args.limit_exceeded:
            emulator.faults.limit_exceeded("CreateFilter", times=args.limit_exceeded)
        if args.create_failed:
            emulator.faults.fail_create(args.create_failed, reason="Injected by --create-failed")
        ok, saved = True, []
        current = template
        for phase in phases:
            if phase != "create" and args.delete_out_of_band:
                arn = f"arn:aws:personalize:us-east-1:123456789012:filter/{args.delete_out_of_band}"
                if emulator.status_of(arn):
                    print(f"-- out of band: {args.delete_out_of_band} deleted behind the stack's back")
                    session.world.delete_out_of_band(arn)
            print(f"-- {phase}")
            if phase == "create":
                status = session.deploy(current)
            elif phase == "update":
                current = with_expression(current, *change)
                status = session.deploy(current)
            elif phase == "rollback":
                failing = with_expression(with_expression(current, *change), *FAILING_CHANGE)
                emulator.faults.fail_create(replacement_name(*FAILING_CHANGE), reason="Injected: a later resource fails")
                status = session.deploy(failing)
            else:
                status = session.delete()
            expected = EXPECTED[phase] if not (phase == "create" and args.create_failed) else "ROLLBACK_COMPLETE"
            if status != expected:
                print(f"!! {phase} ended {status}, expected {expected}")
                ok = False
            if phase != "delete":  # the report bucket is gone after a delete
                saved = session.reports(args.reports) or saved
        session.check_end()
        for name, result in session.stack.trigger_results.items():
            print(f"-- evaluation ({name}): " + ", ".join(f"{k} {v}" for k, v in result["checks"].items()))
        if saved:
            print(f"-- reports: {len(saved)} files in {args.reports}/ (open {args.reports}/latest.html)")
        print("-- summary")
        print(session.summary())
        return 0 if ok and not session.world.violations else 1


def _is_custom(template, line: str) -> bool:
    parts = line.split("] ", 1)
    logical = parts[1].split(" ", 1)[0] if len(parts) == 2 else ""
    resource = template["Resources"].get(logical)
    return bool(resource and resource["Type"].startswith("Custom::"))


def _expression_of(template, name: str) -> str:
    for resource in template["Resources"].values():
        if resource["Type"] == "Custom::PersonalizeFilter" and resource["Properties"]["Name"] == name:
            return resource["Properties"]["FilterExpression"]
    raise SystemExit(f"--existing-filter: no filter named {name!r} in the template")


if __name__ == "__main__":
    sys.exit(main())

"""`python -m questline.mypage --help`"""

import argparse
import sys

from questline.mypage import bootstrap, rebuild
from questline.service_kit.cli import Command, main


def _rebuild_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")


REBUILD = Command(
    help="build the read model again from the topics, switch to it without downtime",
    description=rebuild.__doc__,
    run=lambda settings, args: rebuild.run(settings, as_json=args.json),
    arguments=_rebuild_arguments,
)

if __name__ == "__main__":
    sys.exit(
        main(
            service="mypage",
            summary="Questline mypage service.",
            settings_factory=bootstrap.settings,
            build=bootstrap.build,
            migrations=bootstrap.MIGRATIONS,
            consumes_events=True,
            commands={"rebuild": REBUILD},
        )
    )

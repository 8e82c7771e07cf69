"""`python -m questline.mission --help`"""

import sys

from questline.mission import bootstrap
from questline.service_kit.cli import main

if __name__ == "__main__":
    sys.exit(
        main(
            service="mission",
            summary="Questline mission service.",
            settings_factory=bootstrap.settings,
            build=bootstrap.build,
            migrations=bootstrap.MIGRATIONS,
            consumes_events=True,
        )
    )

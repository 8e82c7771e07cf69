"""`python -m questline.reward --help`"""

import sys

from questline.reward import bootstrap
from questline.service_kit.cli import main

if __name__ == "__main__":
    sys.exit(
        main(
            service="reward",
            summary="Questline reward service.",
            settings_factory=bootstrap.settings,
            build=bootstrap.build,
            migrations=bootstrap.MIGRATIONS,
            consumes_events=True,
        )
    )

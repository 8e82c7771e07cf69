"""`python -m questline.wallet --help`"""

import sys

from questline.service_kit.cli import main
from questline.wallet import bootstrap

if __name__ == "__main__":
    sys.exit(
        main(
            service="wallet",
            summary="Questline wallet service.",
            settings_factory=bootstrap.settings,
            build=bootstrap.build,
            migrations=bootstrap.MIGRATIONS,
            consumes_events=True,
        )
    )

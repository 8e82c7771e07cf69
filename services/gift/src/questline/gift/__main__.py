"""`python -m questline.gift --help`"""

import sys

from questline.gift import bootstrap
from questline.service_kit.cli import main

if __name__ == "__main__":
    sys.exit(
        main(
            service="gift",
            summary="Questline gift service.",
            settings_factory=bootstrap.settings,
            build=bootstrap.build,
            migrations=bootstrap.MIGRATIONS,
        )
    )

"""`python -m questline.mypage --help`"""

import sys

from questline.mypage import bootstrap
from questline.service_kit.cli import main

if __name__ == "__main__":
    sys.exit(
        main(
            service="mypage",
            summary="Questline mypage service.",
            settings_factory=bootstrap.settings,
            build=bootstrap.build,
            migrations=bootstrap.MIGRATIONS,
            consumes_events=True,
        )
    )

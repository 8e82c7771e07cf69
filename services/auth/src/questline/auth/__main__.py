"""`python -m questline.auth --help`"""

import sys

from questline.auth import bootstrap
from questline.auth.adapters.inbound import commands
from questline.service_kit.cli import main
from questline.service_kit.logs import configure_logging

if __name__ == "__main__":
    argv = sys.argv[1:]
    if argv and argv[0] in commands.COMMANDS:
        settings = bootstrap.settings()
        configure_logging("auth", "WARNING")
        sys.exit(commands.run(argv, settings, bootstrap.storage(settings)))
    sys.exit(
        main(
            service="auth",
            summary="Questline auth service (OAuth 2 / OIDC). Also: "
            + ", ".join(commands.COMMANDS)
            + " (each with --help).",
            settings_factory=bootstrap.settings,
            build=bootstrap.build,
            migrations=bootstrap.MIGRATIONS,
        )
    )

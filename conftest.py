# Fixtures for real Kafka, real PostgreSQL and the whole running system.
pytest_plugins = ["questline.devstack.testing"]

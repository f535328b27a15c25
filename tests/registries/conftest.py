"""The web fixtures (an app with users in two zones) for the registry page and API tests."""
from tests.web.conftest import World, build_world, sqlite_world, world  # noqa: F401

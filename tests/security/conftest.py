"""Security fixtures: the web test world (two zones, three users) on SQLite and PostgreSQL."""
from tests.web.conftest import World, build_world, demo_client, demo_home, obs_xlsx, sqlite_world, world  # noqa: F401

"""Store shell: SQLAlchemy 2 schema, Alembic migrations, and queries returning plain frames."""

"""The only code that talks SQL: schema, migrations, ingest, rollups, queries."""

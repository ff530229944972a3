"""Rows made straight in the tables (and in-memory agendas) for tests, one module per domain."""

"""Long work as jobs: rows in the database that the worker runs, with progress, cancel and results."""

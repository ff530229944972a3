"""What the tests run on: the environment, the database, the app, real servers and processes."""

"""idmevents: registration, agendas, calendar feeds, badges and check-in for intergovernmental meetings."""

import os

# Piccolo finds its engine and apps through this module; the package's own one reads our settings,
# so the CLI, the web app and `piccolo` itself all agree on the database.
os.environ.setdefault("PICCOLO_CONF", "idmevents.piccolo_conf")

__version__ = "0.1.0"

"""Piccolo's configuration: the engine chosen from IDMEVENTS_DATABASE_URL, and our one app."""

from piccolo.conf.apps import AppRegistry

from idmevents.db import engine_for
from idmevents.settings import get_settings

DB = engine_for(get_settings().database)

APP_REGISTRY = AppRegistry(apps=["idmevents.piccolo_app"])

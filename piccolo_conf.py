"""Piccolo's CLI looks for this file; the real configuration lives in the package."""

from idmevents.piccolo_conf import APP_REGISTRY, DB

__all__ = ["APP_REGISTRY", "DB"]

"""Entry point for uvicorn workers: `uvicorn --factory api.asgi:app_from_env` (what `credanchor serve` runs)."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from .app import create_app
from .config import ApiSettings


def app_from_env() -> FastAPI:
    settings = ApiSettings.from_env()
    app = create_app(settings)
    if settings.key_passphrase is not None:
        unlocked = app.state.services.unlock_all()  # a wrong passphrase stops the worker now, not at a request
        logging.getLogger("credanchor.api").info("%d issuer key(s) unlocked", unlocked)
    return app

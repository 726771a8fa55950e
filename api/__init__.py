"""The HTTP API of credanchor (FastAPI), a thin layer over `anchor`."""

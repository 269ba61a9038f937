"""The FastAPI shell: app factory, webhook routes, the local chat simulator, health."""

"""The application: turns one incoming message into stored effects and outgoing replies."""

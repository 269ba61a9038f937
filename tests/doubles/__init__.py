"""Local stand-ins for providers (Telegram Bot API, Twilio) that speak their HTTP APIs."""

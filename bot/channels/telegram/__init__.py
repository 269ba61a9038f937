"""The Telegram channel, on python-telegram-bot.

- `config`: which mode (off, webhook, polling) the settings ask for, and what makes a
  webhook safe to serve.
- `client`: the `ExtBot` built from settings (base URLs, timeouts) with `ratelimit`'s limiter.
- `updates`: a Telegram `Update` turned into what to do (feed the engine, or answer directly).
- `replies`: the engine's `Reply`s turned into sendMessage calls (keyboards, 4096-char pieces).
- `channel`: `TelegramChannel.handle_update`, the one path for webhook and long polling.
- `polling`: the getUpdates loop; `notifier`: messages outside a reply.
"""

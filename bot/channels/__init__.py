"""Channel adapters: Telegram, WhatsApp. Each turns provider payloads into `InboundMessage`s
and `Reply`s into provider calls, and can send notifications outside a reply."""

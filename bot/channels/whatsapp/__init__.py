"""WhatsApp through Twilio.

- `inbound`: Twilio's webhook form -> the parts of an `InboundMessage`.
- `signature`: is a request really from Twilio (`X-Twilio-Signature`)?
- `media`: download a photo the citizen sent, with the account's credentials.
- `replies`: `Reply`s -> message bodies (numbered choices, split under the size limit) or
  quick-reply Content templates; TwiML for the webhook answer.
- `client`: the twilio REST client, pointed at a configurable base URL, retrying 429/5xx.
- `outbound`: send one message, classify Twilio's errors, record what went out.
- `waiting`: notifications held until the citizen writes again.
- `notifier`: the `Notifier` for WhatsApp (free-form inside 24 hours, template outside).
- `channel`: the pieces built once from settings, as the web routes use them.
"""

CHANNEL = "whatsapp"

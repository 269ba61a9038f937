"""SMS through Twilio Programmable Messaging, for citizens on feature phones.

- `config`: what the channel needs from the settings (TWILIO_SMS_FROM and the account).
- `inbound`: Twilio's webhook form -> `InboundMessage`, STOP/START.
- `gsm`: the GSM-7 alphabet: characters replaced where SMS cannot carry them, segments.
- `replies`: `Reply`s -> SMS texts (numbered choices, short catalogue variants, at most
  three segments each, photos and locations asked for in words SMS can answer).
- `channel`: `SmsChannel`, the whole inbound path and notifications.

Built on the WhatsApp channel's Twilio pieces (client, signature, media, sender): the
engine, the flows and the service are unchanged.
"""

CHANNEL = "sms"

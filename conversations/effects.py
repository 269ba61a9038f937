"""The effects the engine asks the service for, and the shape of their results.

Each effect is answered with an `EffectResult` of the same kind; the service knows the
channel and chat the effect comes from.

- `find_open_usulan` {nik} -> {ticket: str | None, status: str | None, own: bool (filed
  from this chat: only then may the ticket be shown)}
- `submit_request` {kind, subtype, village_code, nik, kk, name, subject_nik, subject_name,
  answers, flags, members: [{nik, name, relationship}], attachments: [{ref, purpose}],
  consent_version, consent_given_at (ISO), language}
  -> {ticket, status, flags}
- `list_my_requests` {} -> {requests: [{ticket, kind, status, created_at, village,
  history: [{at, status, note}]}]}
- `lookup_status` {ticket, nik?} -> {outcome: "own" | "need_nik" | "verified" | "not_found"
  | "nik_mismatch" | "rate_limited", request?: {ticket, kind, status, created_at, village,
  updated_at}, history?: [...] (own only), retry_after_minutes?: int}
- `withdraw_consent` {} -> {withdrawn: int}
"""

FIND_OPEN_USULAN = "find_open_usulan"
SUBMIT_REQUEST = "submit_request"
LIST_MY_REQUESTS = "list_my_requests"
LOOKUP_STATUS = "lookup_status"
WITHDRAW_CONSENT = "withdraw_consent"

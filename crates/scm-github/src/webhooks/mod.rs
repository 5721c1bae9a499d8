//! GitHub webhooks: signature verification and parsing into neutral events.

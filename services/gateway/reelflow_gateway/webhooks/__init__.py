"""Operation webhooks: where they may go (policy), how they are signed (signature), the owners'
signing secrets (secret_store) and the HTTP delivery that follows both (delivery)."""

"""E-mail in: an SMTP/LMTP listener and an IMAP poller that turn real-world MIME into messages on
the interaction ledger. `parse` reads the bytes, `receive` stores them, `listener` and `imap` are
the two ways mail arrives."""

"""The event backbone every Inagara service uses: settings, envelope, schemas, Kafka I/O, outbox, inbox, db."""

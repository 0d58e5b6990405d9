"""The event backbone: the envelope, the catalog of topics and event types with their
payload schemas (the public interface between services), the outbox and its relay, the
inbox, the consumer loop, the producer and the worker runner."""

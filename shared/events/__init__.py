"""Event types, topics and payload schemas: the public interface between services."""

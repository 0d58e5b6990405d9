"""Developer tooling, outside the runtime packages: database revisions, the OpenAPI and
AsyncAPI documents, the dead-letter command. Each tool is handed the services it works
on (``tools.services``); nothing here is installed in a service's image."""

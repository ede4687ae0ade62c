"""The directory: organisations, clusters, projects and review as a viewer sees them.

The service functions here are the one home of the registry's rules for readers and
editors (policy, validation, audit, provenance); the API, the web pages and the CLI call
them and only translate.
"""

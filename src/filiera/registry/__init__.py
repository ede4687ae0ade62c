"""The ecosystem registry: organisations, people, sites, capabilities, projects."""

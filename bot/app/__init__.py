"""The application: settings, the composition root, roles and the command line."""

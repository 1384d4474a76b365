"""irrkit's command line (Typer). Entry point: ``cli.main:run``."""

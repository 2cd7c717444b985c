"""The competition's `environment` package: `environment.environment`, `environment.agent`, `environment.constants`."""
